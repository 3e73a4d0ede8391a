"""The console in headless Debian Chromium: it updates live when the resident writes (no reload),
a crisis raises a visible banner, every word is Dutch (no code names), the summary reads in
words, and axe-core finds no WCAG 2.1 AA problem on the queue and the conversation page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.console.test_console_live import PASSWORD, SANNE
from tests.conversations.conftest import Gateway
from tests.support.browser import launch

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


async def logged_in(browser: Any, gw: Gateway, email: str = SANNE) -> Any:
    page = await browser.new_page(viewport={"width": 1200, "height": 900})
    base = f"http://{gw.client.host}:{gw.client.port}"
    await page.goto(f"{base}/console/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("#queue")
    return page


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_open_chat_and_the_queue_update_live_without_a_reload(own_gw: Gateway) -> None:
    from playwright.async_api import async_playwright

    resident = await own_gw.waiting(
        summary={"topics": ["rent_housing"], "urgency_flags": ["eviction"]},
        story="ik moet over twee weken mijn huis uit want ik heb huurachterstand",
    )
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await logged_in(browser, own_gw)
        await page.evaluate("window.__noReload = true")  # gone if the page reloads
        await page.click(f'#queue a[href="/console/c/{resident.conversation_id}"]')
        await page.wait_for_selector("#take")
        await page.click("#take")
        await page.wait_for_selector("#reply")
        await page.evaluate("window.__noReload = true")
        await resident.say("de deurwaarder heeft ook een brief gestuurd")
        await page.wait_for_selector(
            "#transcript .msg--contact >> text=de deurwaarder heeft ook een brief gestuurd"
        )
        assert await page.evaluate("window.__noReload === true")
        live = await page.text_content("#live")
        assert live and "nieuw bericht" in live
        # the summary, in words
        summary = await page.inner_text(".summary")
        assert "Huurachterstand" in summary and "Dreigende uithuiszetting" in summary
        assert "Binnen 3 werkdagen: uiterlijk" in summary
        assert "ik moet over twee weken mijn huis uit" in summary
        await page.screenshot(path=str(ARTIFACTS / "console-live.png"), full_page=True)
        # a new chat appears in the queue without a reload
        await page.goto(f"http://{own_gw.client.host}:{own_gw.client.port}/console/")
        await page.evaluate("window.__noReload = true")
        other = await own_gw.waiting(story="ik krijg mijn energierekening niet betaald")
        await page.wait_for_selector(f'#queue li[data-id="{other.conversation_id}"]')
        assert await page.evaluate("window.__noReload === true")
        await browser.close()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_crisis_raises_the_banner_live(own_gw: Gateway) -> None:
    from playwright.async_api import async_playwright

    resident = await own_gw.waiting()
    async with async_playwright() as p:
        browser = await launch(p)
        page = await logged_in(browser, own_gw)
        assert await page.is_hidden("#crisis-banner")
        await page.evaluate("window.__noReload = true")
        await resident.say("ik wil er niet meer zijn")
        await page.wait_for_selector("#crisis-banner", state="visible")
        banner = await page.inner_text("#crisis-banner")
        assert "Crisis" in banner
        link = await page.get_attribute("#crisis-banner a", "href")
        assert link == f"/console/c/{resident.conversation_id}"
        row = page.locator(f'#queue li[data-id="{resident.conversation_id}"]')
        assert "row--crisis" in (await row.get_attribute("class") or "")
        assert await page.evaluate("window.__noReload === true")
        await page.screenshot(path=str(ARTIFACTS / "console-crisis.png"), full_page=True)
        await browser.close()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_staff_see_dutch_words_only_and_axe_finds_nothing(own_gw: Gateway) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    resident = await own_gw.waiting(
        urgent=True,
        summary={
            "topics": ["rent_housing", "energy_water", "debt_collector"],
            "urgency_flags": ["eviction", "cutoff"],
            "told": ["utter_rent_housing", "utter_energy_water"],
            "suggested": ["find_local_help", "choose_peer"],
            "offers": ["urgent", "complexity"],
        },
    )
    await resident.say("wie leest dit?")
    await resident.say(payload="/keep_waiting")  # a button press shows as its meaning
    await resident.say("ik heb ook een brief van het cjib")
    crisis = await own_gw.waiting()
    await crisis.say("ik wil niet meer leven")
    async with async_playwright() as p:
        browser = await launch(p)
        page = await logged_in(browser, own_gw, "lead@test.geldhulp.nl")
        pages = {"queue": page.url}
        pages["conversation"] = page.url.replace(
            "/console/", f"/console/c/{resident.conversation_id}"
        )
        for name, url in pages.items():
            await page.goto(url)
            await page.wait_for_selector("main h1")
            text = await page.inner_text("body")
            assert not SNAKE.findall(text), (name, SNAKE.findall(text))
            options = await page.eval_on_selector_all(
                "option", "els => els.map(e => e.textContent)"
            )
            assert not [o for o in options if SNAKE.search(o or "")], options
            results = await Axe().run(page, options=WCAG)
            assert results.response["violations"] == [], results.generate_report()
            await page.screenshot(path=str(ARTIFACTS / f"console-{name}-words.png"), full_page=True)
        await browser.close()
