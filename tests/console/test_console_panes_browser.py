"""The three-pane console in headless Debian Chromium (issue 18), used with the keyboard only:
j opens the first chat, t takes it, / picks a canned reply (editable, with the resident's
municipality filled in), Ctrl+Enter sends it; a new message and a crisis arrive live without a
reload; the crisis banner names the conversation, once; the side panel shows an earlier chat of
the same resident; ? opens the help. axe-core finds nothing, also with a right-to-left message.
Screenshots docs/img/console.png and console-crisis.png only with GELDHULP_UPDATE_DOC_IMAGES=1."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console.tables import QuickReply
from bot.conversations.states import Status
from bot.conversations.tables import Conversation, Handover
from bot.staff import StaffUser
from tests.console.test_console_live_browser import WCAG, logged_in
from tests.conversations.conftest import Gateway, Resident
from tests.support.browser import launch, publish_screenshots

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


async def earlier_chat(gw: Gateway) -> Resident:
    """A closed chat of the same resident (same Telegram address), handled by Sanne."""
    first = await gw.waiting(story="ik heb een brief van de belastingdienst")
    await gw.take(first, "sanne@test.geldhulp.nl")
    async with gw.factory() as s:
        conv = await s.get(Conversation, first.conversation_id)
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == "sanne@test.geldhulp.nl"))
        assert conv is not None and staff is not None
        await first.service.finish(s, conv, staff, to=Status.CLOSED, outcome="advice_given")
        s.add(
            QuickReply(
                team_id=staff.team_id,
                title="Welkom",
                text="Hoi, ik ben {naam}. Ik kijk mee met je vraag over {gemeente}.",
            )
        )
        await s.commit()
    return first


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_three_pane_console_with_the_keyboard_only(own_gw: Gateway) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    first = await earlier_chat(own_gw)
    earlier = first.conversation_id
    resident = await own_gw.waiting(
        summary={"topics": ["rent_housing"], "urgency_flags": ["eviction"]},
        story="ik moet over twee weken mijn huis uit want ik heb huurachterstand",
        address=str(first.chat_id),  # the same Telegram chat: the same resident
    )
    resident.chat_id = first.chat_id
    assert resident.conversation_id != earlier
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await logged_in(browser, own_gw)
        page.set_default_timeout(15000)
        await page.set_viewport_size({"width": 1440, "height": 900})
        await page.evaluate("window.__noReload = true")
        # three panes: the list, an empty conversation pane; j opens the first chat
        await page.wait_for_selector(f'#queue li[data-id="{resident.conversation_id}"]')
        await page.keyboard.press("j")
        await page.wait_for_selector(f'#chat-pane[data-id="{resident.conversation_id}"]')
        await page.wait_for_selector("#side-pane")
        # the side panel: the earlier chat of the same resident
        await page.wait_for_selector(f'#earlier a[href="/console/c/{earlier}"]')
        assert "Advies gegeven" in await page.inner_text("#earlier")
        # t takes the chat; the composer is there, at the bottom of the conversation pane
        await page.keyboard.press("t")
        await page.wait_for_selector("#reply")
        # / in the composer: a filterable list of canned replies; Enter puts it in, editable
        await page.keyboard.press("r")
        await page.keyboard.type("/")
        await page.wait_for_selector("#canned:not([hidden])")
        await page.keyboard.type("welk")
        await page.keyboard.press("Enter")
        text = await page.input_value("#reply")
        assert text.startswith("Hoi, ik ben Sanne.") and "{gemeente}" not in text
        await page.keyboard.type(" Tot zo.")
        await page.keyboard.press("Control+Enter")
        await page.wait_for_selector("#transcript .msg--human >> text=Tot zo.")
        assert await page.evaluate("window.__noReload === true")
        # a new message arrives live, also in Arabic (right to left)
        await resident.say("مرحبا، عندي رسالة من المحضر القضائي")
        await page.wait_for_selector("#transcript .msg--contact >> text=مرحبا")
        assert (
            await page.get_attribute("#transcript .msg--contact:last-child .text", "dir") == "auto"
        )
        # the help overlay with ?
        await page.keyboard.press("Escape")
        await page.locator("#chat-title").focus()
        await page.keyboard.press("?")
        await page.wait_for_selector("#help:not([hidden])")
        assert "Gesprek oppakken" in await page.inner_text("#help")
        await page.keyboard.press("Escape")
        await page.wait_for_selector("#help", state="hidden")
        results = await Axe().run(page, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        await page.screenshot(path=str(ARTIFACTS / "console.png"))
        # a crisis in another chat arrives live: one named banner line for that conversation
        other = await own_gw.waiting(story="ik krijg de energierekening niet betaald")
        await other.say("ik wil er niet meer zijn")
        await other.say("ik wil echt niet meer leven")
        line = page.locator(f'#crisis-list li[data-id="{other.conversation_id}"]')
        await line.wait_for()
        async with own_gw.factory() as s:
            number = await s.scalar(
                select(Handover.id).where(Handover.conversation_id == other.conversation_id)
            )
        assert f"Crisis in gesprek {number}, wacht" in await line.inner_text()
        assert await page.locator("#crisis-list li").count() == 1  # one line, not one per alert
        assert await page.evaluate("window.__noReload === true")
        results = await Axe().run(page, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        await page.screenshot(path=str(ARTIFACTS / "console-crisis.png"))
        # handled: the line goes
        await line.locator("button").click()
        await page.wait_for_selector("#crisis-banner", state="hidden")
        await browser.close()
    publish_screenshots(ARTIFACTS, "console.png", "console-crisis.png")


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_console_on_a_narrow_screen_stacks_the_panes(own_gw: Gateway) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    resident = await own_gw.waiting()
    async with async_playwright() as p:
        browser = await launch(p)
        page = await logged_in(browser, own_gw)
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.goto(page.url.replace("/console/", f"/console/c/{resident.conversation_id}"))
        await page.wait_for_selector("#take")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width  # nothing wider than the phone
        results = await Axe().run(page, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        await browser.close()
