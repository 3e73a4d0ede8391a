"""The plan page /hulp/plan/<link> in headless Debian Chromium: on a 360 px phone (no sideways
scroll, readable, large tap targets), printed on ONE A4 (the PDF's pages counted), axe-core
clean (WCAG 2.1 A/AA), a step ticked on the page, the link revoked after the confirmation (then
it answers the same 404 as a guessed link). The fullest plan a resident can have is used: three
open steps (a date, an overdue date, a counsellor's long step) and many done ones.
Screenshots docs/img/plan-phone.png and plan-print.png only with GELDHULP_UPDATE_DOC_IMAGES=1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.conversations.tables import ChannelIdentity
from bot.plan import Plan, PlanService, PlanStep, StepDraft
from bot.storage.db import open_database
from bot.topics import MONEY_TOPICS, TOPIC_INTENTS
from tests.helppage.conftest import settings_for
from tests.plan.conftest import said
from tests.support.browser import launch, publish_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = {"width": 360, "height": 740}
A4_CSS_PX = {
    "width": 680,
    "height": 1009,
}  # inside the 15 mm margins: 180 x 267 mm at 96 px an inch
HELP = {"name": "Schuldhulpmaatje Den Haag (voorbeeld)", "phone": "070-3537000"}
LONG_STEP = (  # nearly as long as the console lets a counsellor write (300 characters)
    "Zoek je jaaropgave van 2025 en je laatste 3 loonstroken op. Neem ze mee naar het gesprek "
    "op het gemeentehuis, dan kijken we samen naar een regeling die je kunt betalen. Lukt het "
    "niet om alles te vinden? Dat is niet erg. Bel dan 070-3537000, dan zoeken we het samen uit."
)
# steps a counsellor added and the resident ticked over the months (the done list only grows)
DONE_BY_STAFF = tuple(
    f"Stuur de brief van schuldeiser {n} door naar je hulpverlener." for n in range(1, 10)
)
# eleven of the twelve money topics' first steps, in the public order (with the nine staff steps:
# twenty done steps)
DONE_TOPICS = tuple(t for t in TOPIC_INTENTS if t in MONEY_TOPICS and t != "debt_collector")


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF that Chromium wrote (each page object has /Type /Page)."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


@dataclass
class PlanPage:
    """The gateway on loopback and one resident's plan, with its link."""

    client: TestClient
    factory: Any
    path: str  # the fullest plan's link
    typical: str  # the docs' plan's link
    deadline: date

    @property
    def url(self) -> str:
        return f"http://{self.client.host}:{self.client.port}{self.path}"

    def at(self, path: str) -> str:
        return f"http://{self.client.host}:{self.client.port}{path}"

    async def steps(self) -> list[PlanStep]:
        async with self.factory() as s:
            return list((await s.scalars(select(PlanStep).order_by(PlanStep.id))).all())

    async def plan(self) -> Plan | None:
        """The fullest plan."""
        async with self.factory() as s:
            return await s.scalar(
                select(Plan)
                .join(ChannelIdentity, ChannelIdentity.id == Plan.identity_id)
                .where(ChannelIdentity.address == "tg:f")
            )


async def make_plan(
    factory: Any, who: str, open_drafts: list[StepDraft], done_drafts: list[StepDraft]
) -> str:
    """A resident's plan with these steps (the done ones ticked first); returns its path."""
    plans = PlanService()
    async with factory() as s:
        identity = ChannelIdentity(channel="telegram", external_hash=who * 64, address=f"tg:{who}")
        s.add(identity)
        await s.flush()
        plan, token = await plans.create(
            s,
            identity_id=identity.id,
            channel="telegram",
            municipality_code="GM0518",
            language="nl",
            drafts=[],
        )
        for draft in done_drafts:
            await plans.add_step(s, plan, draft, "staff:1" if draft.text else "assistant")
            await plans.tick(s, plan)
        for draft in open_drafts:
            await plans.add_step(
                s, plan, draft, "staff:1" if draft.kind == "staff" else "assistant"
            )
        plan.share_with_team = True
        await s.commit()
    return f"/hulp/plan/{token}"


def letter_step(deadline: date) -> StepDraft:
    """A letter's date as a step (what the chat proposes after "Klopt dit?")."""
    shown = deadline.strftime("%d-%m-%Y")
    return StepDraft("deadline", "utter_plan_step_deadline", {"date": shown}, due_on=deadline)


async def fullest_plan(factory: Any, deadline: date) -> str:
    """Three open steps (a letter's date, a counsellor's long step whose date passed, local help
    with its number) and twenty done ones."""
    done = [StepDraft("topic", f"utter_plan_step_{t}") for t in DONE_TOPICS]
    done += [StepDraft("staff", text=text) for text in DONE_BY_STAFF]
    overdue = StepDraft("staff", text=LONG_STEP, due_on=date.today() - timedelta(days=2))
    help_step = StepDraft("help", "utter_plan_step_call", dict(HELP))
    return await make_plan(factory, "f", [letter_step(deadline), help_step, overdue], done)


async def typical_plan(factory: Any, deadline: date) -> str:
    """The plan of the docs' screenshots: what a chat about a bailiff's letter leaves."""
    help_step = StepDraft("help", "utter_plan_step_call", dict(HELP))
    topic = StepDraft("topic", "utter_plan_step_debt_collector")
    done = [StepDraft("topic", "utter_plan_step_debt_help")]
    return await make_plan(factory, "t", [letter_step(deadline), help_step, topic], done)


@pytest.fixture
async def plan_page(db_url: str) -> AsyncIterator[PlanPage]:
    """The real gateway (no workers, no Rasa) with the fullest plan a resident can have."""
    async with open_database(db_url) as (_engine, factory):
        deadline = date.today() + timedelta(days=5)
        path = await fullest_plan(factory, deadline)
        typical = await typical_plan(factory, deadline)
        app = create_app(settings_for(db_url), pacing={}, workers=False)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        try:
            yield PlanPage(client, factory, path, typical, deadline)
        finally:
            await client.close()


async def axe_clean(page: Any) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options=AA)
    assert results.response["violations"] == [], results.generate_report()


async def test_on_a_phone_readable_no_sideways_scroll_and_accessible(plan_page: PlanPage) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        response = await page.goto(plan_page.url)
        assert response is not None and response.status == 200
        await axe_clean(page)
        # nothing fetched from anywhere but this server, and no scripts at all
        base = plan_page.at("")
        assert requested and all(u.startswith(base) for u in requested), requested
        assert await page.locator("script").count() == 0
        # fits the screen: no sideways scrolling, also not for the long step or the number
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{width} px wide on a {PHONE['width']} px phone"
        # readable: body text at least 16 px, and every step's text is on screen in full
        size = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16
        for what in await page.locator(".step .what").all():
            box = await what.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # the three open steps, the current one (the nearest date) first; the done ones below
        open_texts = await page.locator("ol.steps .what").all_inner_texts()
        assert len(open_texts) == 3
        assert open_texts[0].startswith("Zoek je jaaropgave")  # its date passed: first
        assert plan_page.deadline.strftime("%d-%m-%Y") in open_texts[1]
        assert f"Nummer: {HELP['phone']}" in open_texts[2]
        assert await page.locator(".step.overdue").count() == 1
        assert await page.locator("ul.steps.done li").count() == len(DONE_TOPICS + DONE_BY_STAFF)
        # tap targets: every button and the revoke link at least 44 px high
        for target in await page.locator("button, .revoke a").all():
            box = await target.bounding_box()
            assert box is not None and box["height"] >= 44
        # a number is a link to tap (digits only in the address), kept on one line
        number = page.locator(f'ol.steps a[href="tel:{HELP["phone"].replace("-", "")}"]')
        assert await number.count() == 2  # the help's number and the one in the long step
        box = await number.last.bounding_box()
        assert box is not None and box["height"] < 1.6 * size * 1.5
        await page.screenshot(path=str(ARTIFACTS / "plan-phone-fullest.png"), full_page=True)

        # the docs' plan: the same checks, and its screenshot
        await page.goto(plan_page.at(plan_page.typical))
        await axe_clean(page)
        assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        await page.screenshot(path=str(ARTIFACTS / "plan-phone.png"), full_page=True)

        # the confirmation and the 404 page are accessible too
        await page.goto(f"{plan_page.url}/intrekken")
        await axe_clean(page)
        missing = await page.goto(plan_page.at("/hulp/plan/" + "C" * 32))
        assert missing is not None and missing.status == 404
        await axe_clean(page)
        await browser.close()
    publish_screenshots(ARTIFACTS, "plan-phone.png")


async def test_prints_on_one_a4_with_boxes_to_tick_and_no_buttons(plan_page: PlanPage) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=A4_CSS_PX)
        for name, path in (
            ("plan-print-fullest", plan_page.path),
            ("plan-print", plan_page.typical),
        ):
            await page.goto(plan_page.at(path))
            await page.emulate_media(media="print")
            # on paper: a box to tick per open step, no buttons, no revoke link, the dates
            boxes = page.locator(".step .box")
            assert await boxes.count() == 3
            for i in range(3):
                assert await boxes.nth(i).is_visible()
            assert await page.locator(".tick button").first.is_hidden()
            assert await page.locator(".revoke").is_hidden()
            printed = await page.inner_text("main")
            assert plan_page.deadline.strftime("%d-%m-%Y") in printed and HELP["phone"] in printed
            await axe_clean(page)
            pdf = await page.pdf(format="A4", print_background=True)
            (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
            assert pdf_pages(pdf) == 1, f"{name} prints on {pdf_pages(pdf)} pages"
            await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        # the fullest plan: on paper the twelve latest done steps (the screen has all twenty)
        await page.goto(plan_page.url)
        await page.emulate_media(media="print")
        done = page.locator("ul.steps.done li")
        shown = [await done.nth(i).is_visible() for i in range(await done.count())]
        assert shown == [True] * 12 + [False] * (len(shown) - 12)
        await browser.close()
    publish_screenshots(ARTIFACTS, "plan-print.png")


async def test_a_step_ticked_in_the_browser(plan_page: PlanPage) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        await page.goto(plan_page.url)
        first = page.locator("ol.steps li").first
        ticked_text = await first.locator(".what").inner_text()
        await first.get_by_role("button", name=said("utter_planpage_tick"), exact=False).click()
        await page.wait_for_url(f"**{plan_page.path}#klaar")
        # the step moved to "Klaar"; two open steps remain, each still with its own button
        assert await page.locator("ol.steps li").count() == 2
        done = await page.locator("ul.steps.done li").all_inner_texts()
        assert any(ticked_text in line for line in done)
        assert ticked_text not in " ".join(await page.locator("ol.steps").all_inner_texts())
        await axe_clean(page)
        await browser.close()
    ticked = [s for s in await plan_page.steps() if s.text == LONG_STEP]
    assert ticked and ticked[0].done_at is not None


async def test_revoke_in_the_browser_then_the_link_is_a_404_like_a_guessed_one(
    plan_page: PlanPage,
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        guessed = await page.goto(plan_page.at("/hulp/plan/" + "D" * 32))
        assert guessed is not None and guessed.status == 404
        guessed_html = await page.content()
        guessed_raw = await (await page.request.get(plan_page.at("/hulp/plan/" + "D" * 32))).text()
        await page.goto(plan_page.url)
        await page.get_by_role("link", name=said("utter_planpage_revoke")).click()
        await page.wait_for_url(f"**{plan_page.path}/intrekken")
        # "no" goes back and changes nothing
        await page.get_by_role("link", name=said("utter_planpage_revoke_no")).click()
        await page.wait_for_url(f"**{plan_page.path}")
        assert await page.locator("ol.steps li").count() == 3
        await page.get_by_role("link", name=said("utter_planpage_revoke")).click()
        await page.get_by_role("button", name=said("utter_planpage_revoke_yes")).click()
        status = page.get_by_role("status")
        await status.wait_for()
        assert await status.inner_text() == said("utter_planpage_revoked")
        await axe_clean(page)
        # the link now answers exactly what a guessed link answers
        gone = await page.goto(plan_page.url)
        assert gone is not None and gone.status == 404
        assert await page.content() == guessed_html
        # and so do the old link's other routes
        again = await page.goto(plan_page.at(f"{plan_page.path}/intrekken"))
        assert again is not None and again.status == 404
        step = (await plan_page.steps())[-1]
        for path in (f"{plan_page.path}/stap/{step.id}", f"{plan_page.path}/delen"):
            posted = await page.request.post(plan_page.at(path), max_redirects=0)
            assert posted.status == 404 and await posted.text() == guessed_raw, path
        await browser.close()
    plan = await plan_page.plan()
    assert plan is not None and plan.revoked_at is not None and plan.token_hash is None


async def test_stop_sharing_with_the_counsellor_in_the_browser(plan_page: PlanPage) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        await page.goto(plan_page.url)
        assert said("utter_planpage_shared") in await page.inner_text("main")
        await page.get_by_role("button", name=said("utter_planpage_unshare")).click()
        status = page.get_by_role("status")
        await status.wait_for()
        assert await status.inner_text() == said("utter_planpage_unshared")
        main = await page.inner_text("main")
        assert said("utter_planpage_shared") not in main
        assert await page.get_by_role("button", name=said("utter_planpage_unshare")).count() == 0
        assert await page.locator("ol.steps li").count() == 3  # the plan itself is unchanged
        await axe_clean(page)
        await browser.close()
    plan = await plan_page.plan()
    assert plan is not None and plan.share_with_team is False and plan.revoked_at is None
