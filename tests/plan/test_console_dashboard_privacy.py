"""The plan in the console (with consent, per team), on the dashboard (counts only), and never
in logs or analytics."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import select

from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion
from bot.cli import QUIET_LOGGERS
from bot.conversations.tables import ConversationEvent
from bot.directory.tables import Municipality
from bot.privacy.logfilter import clean
from tests.conversations.conftest import OPEN_CODE, PASSWORD
from tests.plan.conftest import HELP_PHONE, TOPIC_TEXT, PlanSite, new_chat, said
from tests.plan.test_end_to_end import link_in
from tests.support.staff_login import login_csrf

STAFF_STEP = "Zoek je jaaropgave van 2025 op."


async def shared_plan(site: PlanSite, share: bool = True) -> tuple[int, str]:
    chat = new_chat()
    await site.telegram_text(chat, TOPIC_TEXT)
    got = await site.telegram_press(chat, "/plan_accept")
    path = link_in(got)
    await site.telegram_press(chat, "/plan_share_yes" if share else "/plan_share_no")
    await site.telegram_press(chat, "/ask_human")
    return chat, path


async def test_counsellor_sees_and_adds_a_step_only_with_consent(site: PlanSite) -> None:
    chat, _path = await shared_plan(site)
    conv = await site.conversation_of(str(chat))
    csrf = await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    page = await site.client.get(f"/console/c/{conv.id}/plan")
    html = await page.text()
    assert page.status == 200 and said("utter_plan_step_debt_collector") in html
    added = await site.client.post(
        f"/console/c/{conv.id}/plan/steps",
        data={"csrf": csrf, "text": STAFF_STEP, "due": ""},
        allow_redirects=False,
    )
    assert added.status == 303
    got = await site.telegram_press(chat, "/plan_show")  # with a person on the way too
    assert STAFF_STEP in got[0]
    # without the CSRF token nothing is added
    refused = await site.client.post(
        f"/console/c/{conv.id}/plan/steps", data={"text": "x"}, allow_redirects=False
    )
    assert refused.status in (400, 403)


async def test_another_team_and_no_consent_see_nothing(site: PlanSite) -> None:
    chat, _ = await shared_plan(site)
    conv = await site.conversation_of(str(chat))
    await login_csrf(site.client, "dicht@test.geldhulp.nl", PASSWORD)
    assert (await site.client.get(f"/console/c/{conv.id}/plan")).status == 403
    site.client.session.cookie_jar.clear()
    other, _ = await shared_plan(site, share=False)
    conv = await site.conversation_of(str(other))
    csrf = await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    page = await site.client.get(f"/console/c/{conv.id}/plan")
    html = await page.text()
    assert page.status == 200 and said("utter_plan_step_debt_collector") not in html
    refused = await site.client.post(
        f"/console/c/{conv.id}/plan/steps",
        data={"csrf": csrf, "text": STAFF_STEP},
        allow_redirects=False,
    )
    assert refused.status == 403


@pytest.mark.parametrize("path", ["/console/c/x/plan"])
async def test_the_console_plan_needs_a_login(site: PlanSite, path: str) -> None:
    response = await site.client.get(path, allow_redirects=False)
    assert response.status in (302, 303, 401)


async def test_no_plan_content_in_logs_or_analytics(
    site: PlanSite, caplog: pytest.LogCaptureFixture
) -> None:
    # the levels the services run with (bot.cli.configure_logging), our own code at DEBUG
    caplog.set_level(logging.INFO)
    for name, level in QUIET_LOGGERS.items():
        caplog.set_level(level, logger=name)
    caplog.set_level(logging.DEBUG, logger="bot")
    chat = new_chat()
    await site.telegram_text(chat, TOPIC_TEXT)
    await site.telegram_press(chat, "/find_local_help")
    got = await site.telegram_press(chat, "/plan_accept")
    path = link_in(got)
    token = path.rsplit("/", 1)[-1]
    await site.client.get(path)
    step = (await site.steps())[0]
    await site.client.post(f"{path}/stap/{step.id}", allow_redirects=False)
    await site.telegram_text(chat, "wat was mijn plan?")
    step_texts = [said("utter_plan_step_debt_collector"), HELP_PHONE, token]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in step_texts:
        assert secret not in logged
    async with site.factory() as s:
        events = (await s.scalars(select(AnalyticsEvent))).all()
        unanswered = (await s.scalars(select(UnansweredQuestion))).all()
    stored = json.dumps(
        [
            [e.name, e.municipality_code, e.channel, e.conversation_ref, e.topic, e.data]
            for e in events
        ]
        + [u.text_redacted for u in unanswered]
    )
    for secret in step_texts:
        assert secret not in stored
    # an access line that names the link (an operator who turns access logs on) is masked
    assert token not in clean(f'"GET {path} HTTP/1.1" 200')
    names = {e.name for e in events}
    assert {"plan.created", "plan.step_done"} <= names
    # the token is kept nowhere in clear: only its hash
    async with site.factory() as s:
        kept = json.dumps([e.data for e in (await s.scalars(select(ConversationEvent))).all()])
    assert token not in kept and not re.search(token, kept)


async def test_dashboard_counts_plans_suppressed_by_municipality_name(site: PlanSite) -> None:
    async with site.factory() as s:  # the directory's name of the team's municipality
        s.add(Municipality(code=OPEN_CODE, name="Testerveen", province="Utrecht", aliases=[]))
        await s.commit()
    for _ in range(5):
        await shared_plan(site)
    await login_csrf(site.client, "lead@test.geldhulp.nl", PASSWORD, page="/dashboard/")
    html = await (await site.client.get("/dashboard/")).text()
    section = html[html.index('id="plans"') :]
    section = section[: section.index("</section>")]
    assert '<th scope="row">Testerveen</th>' in section and OPEN_CODE not in section
    assert "<td>5</td>" in section  # five plans made
    assert "<td>&lt;5</td>" in section or "<td>0</td>" in section
