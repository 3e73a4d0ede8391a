"""The plan in the console's side panel (the open conversation's pane): the open steps and a
form to add one, only when the resident shared the plan, only for a team that may open the
conversation; every look audited. Both backends, the real gateway."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.console.present import L
from bot.staff import AuditEntry
from tests.conversations.conftest import PASSWORD
from tests.plan.conftest import PlanSite, said
from tests.plan.test_console_dashboard_privacy import shared_plan
from tests.support.staff_login import login_csrf

STAFF_STEP = "Neem je laatste 3 loonstroken mee naar het gesprek."
JSON = {"Accept": "application/json"}


def slot(html: str) -> str:
    """The side panel's plan section of a conversation pane."""
    found = re.search(r'<section id="plan-slot".*?</section>', html, re.S)
    assert found, html[-2000:]
    return found.group(0)


async def pane(site: PlanSite, conv_id: str) -> tuple[int, str]:
    response = await site.client.get(f"/console/c/{conv_id}?pane=1")
    return response.status, await response.text()


async def test_the_team_sees_the_open_steps_and_adds_one_in_the_side_panel(site: PlanSite) -> None:
    chat, _path = await shared_plan(site)
    conv = await site.conversation_of(str(chat))
    csrf = await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    status, html = await pane(site, conv.id)
    plan = slot(html)
    assert status == 200
    assert said("utter_plan_step_debt_collector") in plan  # the open step
    assert f'href="/console/c/{conv.id}/plan"' in plan  # the whole plan
    assert L("console.side.plan_none") not in plan
    # the whole three-pane page has it too
    full = await (await site.client.get(f"/console/c/{conv.id}")).text()
    assert said("utter_plan_step_debt_collector") in slot(full)
    # a step added from the side panel (console.js posts it with Accept: application/json)
    added = await site.client.post(
        f"/console/c/{conv.id}/plan/steps",
        data={"csrf": csrf, "text": STAFF_STEP, "due": "2030-01-31"},
        headers=JSON,
    )
    assert added.status == 200 and (await added.json()) == {"ok": True}
    _status, html = await pane(site, conv.id)
    assert STAFF_STEP in slot(html) and "31-01-2030" in slot(html)
    got = await site.telegram_text(chat, "wat was mijn plan?")
    assert STAFF_STEP in got[0]
    # the looks are audited
    async with site.factory() as s:
        looks = (
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "plan_viewed", AuditEntry.conversation_id == conv.id
                )
            )
        ).all()
    assert len(looks) >= 3


async def test_a_full_plan_has_no_form_and_says_why(site: PlanSite) -> None:
    chat, _path = await shared_plan(site)
    conv = await site.conversation_of(str(chat))
    csrf = await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    for n in (1, 2):  # the plan has one open step: two more make three
        response = await site.client.post(
            f"/console/c/{conv.id}/plan/steps",
            data={"csrf": csrf, "text": f"{STAFF_STEP} ({n})"},
            headers=JSON,
        )
        assert response.status == 200
    _status, html = await pane(site, conv.id)
    plan = slot(html)
    assert 'id="plan-add"' not in plan and L("plan.message_full") in plan
    refused = await site.client.post(
        f"/console/c/{conv.id}/plan/steps",
        data={"csrf": csrf, "text": "Nog een stap."},
        headers=JSON,
    )
    assert refused.status == 409 and await refused.text() == L("plan.message_full")


async def test_another_team_gets_403_and_no_consent_shows_nothing(site: PlanSite) -> None:
    chat, _ = await shared_plan(site)
    conv = await site.conversation_of(str(chat))
    await login_csrf(site.client, "dicht@test.geldhulp.nl", PASSWORD)
    status, html = await pane(site, conv.id)
    assert status == 403 and said("utter_plan_step_debt_collector") not in html
    site.client.session.cookie_jar.clear()
    # not shared: the panel says what it says without a plan (not even that there is one)
    other, _ = await shared_plan(site, share=False)
    conv = await site.conversation_of(str(other))
    await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    status, html = await pane(site, conv.id)
    plan = slot(html)
    assert status == 200
    assert said("utter_plan_step_debt_collector") not in plan
    assert L("console.side.plan_none") in plan
    assert 'id="plan-add"' not in plan and '/plan"' not in plan
    async with site.factory() as s:
        looks = (
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "plan_viewed", AuditEntry.conversation_id == conv.id
                )
            )
        ).all()
    assert looks == []


async def test_no_plan_shows_nothing(site: PlanSite) -> None:
    chat = 8_499_001
    await site.telegram_text(chat, "hallo")
    await site.telegram_press(chat, "/ask_human")
    conv = await site.conversation_of(str(chat))
    await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    status, html = await pane(site, conv.id)
    assert status == 200 and L("console.side.plan_none") in slot(html)


async def test_sharing_stopped_on_the_page_hides_the_plan_from_the_console(site: PlanSite) -> None:
    chat, path = await shared_plan(site)
    conv = await site.conversation_of(str(chat))
    stopped = await site.client.post(f"{path}/delen", allow_redirects=False)
    assert stopped.status == 303
    page = await (await site.client.get(stopped.headers["Location"])).text()
    assert said("utter_planpage_unshared") in page
    csrf = await login_csrf(site.client, "sanne@test.geldhulp.nl", PASSWORD)
    _status, html = await pane(site, conv.id)
    assert said("utter_plan_step_debt_collector") not in slot(html)
    assert L("console.side.plan_none") in slot(html)
    refused = await site.client.post(
        f"/console/c/{conv.id}/plan/steps", data={"csrf": csrf, "text": STAFF_STEP}, headers=JSON
    )
    assert refused.status == 403
