"""The web chat on a 360x740 phone in Chromium: tappable numbers and links, a reply that scrolls
to its first bubble, old choices switched off, the greeting, the transcript after a close."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import keys
from bot.conversations.keys import HANDOVER
from bot.conversations.states import Status
from bot.conversations.tables import Conversation
from tests.support.browser import launch, publish_screenshots
from tests.webchat_ui.conftest import ASK, CATALOG, CRISIS

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


async def axe_clean(page) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.response["violations"] == [], results.generate_report()


async def test_crisis_answer_on_a_phone(chat_gateway) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    url = f"http://{chat_gateway.host}:{chat_gateway.port}/chat"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        await page.goto(url)
        # the greeting before the resident types: one bubble, no "computer" (the answer says it)
        greeting = page.locator(".msg--greeting")
        await greeting.wait_for()
        assert await greeting.count() == 1
        text = await greeting.inner_text()
        assert "Typ je vraag in je eigen woorden." in text and "computer" not in text.lower()
        await page.fill("#input", CRISIS)
        await page.press("#input", "Enter")
        await page.locator(".choices button").first.wait_for()
        # tappable: digits only in the href; web addresses in a new tab
        for href in ("tel:113", "tel:08000113", "tel:112"):
            assert await page.locator(f'.msg--bot a[href="{href}"]').count() >= 1, href
        web_link = page.locator('.msg--bot a[href="https://113.nl"]').first
        assert await web_link.get_attribute("target") == "_blank"
        assert await web_link.get_attribute("rel") == "noopener"
        # the first answer says "computer" once (the disclosure), the greeting did not repeat it
        bot_text = " ".join(await page.locator(".msg--bot .text").all_inner_texts())
        assert bot_text.lower().count("computer") == 1, bot_text
        # the reply's first bubble (with 113) is on screen, at the top of the log
        first = page.locator(".msg--bot", has_text="0800-0113").first
        box, log_box = await first.bounding_box(), await page.locator("#log").bounding_box()
        assert box and log_box and log_box["y"] - 1 <= box["y"] < log_box["y"] + log_box["height"]
        await page.screenshot(path=str(ARTIFACTS / "webchat-phone-crisis.png"))
        # HTML from the resident stays text
        await page.fill("#input", '<img src=x onerror="window.hacked=1"> bel 020-1234567')
        await page.press("#input", "Enter")
        mine = page.locator(".msg--me", has_text="onerror")
        await mine.wait_for()
        assert await page.locator(".msg img").count() == 0
        assert await page.evaluate("window.hacked === undefined")
        assert await mine.locator('a[href="tel:0201234567"]').count() == 1
        await page.locator(".choices:last-of-type button").last.wait_for()
        # a choice: earlier rows switched off, focus in the text input
        await page.locator(".choices:not(.choices--old) button").first.click()
        await page.locator(".msg--me", has_text="Ja, graag").wait_for()
        old = page.locator(".choices--old button")
        assert await old.count() >= 4
        for i in range(await old.count()):
            assert await old.nth(i).get_attribute("aria-disabled") == "true"
            assert await old.nth(i).get_attribute("tabindex") == "-1"
        assert await page.evaluate("document.activeElement.id") == "input"
        await page.locator(".choices:not(.choices--old) button").first.wait_for()
        await axe_clean(page)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
        await browser.close()


async def test_reload_after_a_close_shows_the_transcript(chat_gateway) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    url = f"http://{chat_gateway.host}:{chat_gateway.port}/chat"
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=PHONE)
        await page.goto(url)
        await page.locator(".msg--greeting").wait_for()
        await page.fill("#input", CRISIS)
        await page.press("#input", "Enter")
        await page.locator(".msg--bot", has_text=ASK).wait_for()
        # a counsellor closes the chat (what the console's "close" does)
        factory = chat_gateway.app[keys.DB]
        async with factory() as session:
            conv = await session.scalar(select(Conversation))
            await chat_gateway.app[HANDOVER].finish(
                session, conv, None, to=Status.CLOSED, outcome="other"
            )
            await session.commit()
        closed_text = CATALOG.render("utter_handover_closed").text.splitlines()[0]
        await page.locator(".msg", has_text=closed_text).wait_for()
        await page.reload()
        await page.locator(".msg", has_text=closed_text).wait_for()
        assert await page.locator('a[href="tel:113"]').count() >= 1  # the 113 answer is back
        assert await page.locator(".msg--greeting").count() == 0
        assert await page.locator(".choices button:not([aria-disabled])").count() == 0
        await axe_clean(page)
        await page.screenshot(path=str(ARTIFACTS / "webchat-phone-closed.png"))
        await browser.close()
    publish_screenshots(ARTIFACTS, "webchat-phone-crisis.png", "webchat-phone-closed.png")
