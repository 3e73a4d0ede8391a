"""In headless Debian Chromium: the header is one line at 1440 px; the report page and an admin's
reason page are axe-core clean and work with the keyboard; typing shows both ways between a
web-chat resident and the person who has the chat (no reload, no content)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.console.test_console_live_browser import WCAG, logged_in
from tests.conversations.conftest import PASSWORD, Gateway
from tests.support.browser import launch

pytestmark = pytest.mark.browser
LEAD, SANNE = "lead@test.geldhulp.nl", "sanne@test.geldhulp.nl"


async def header_lines(page: Any) -> float:
    """How many lines high the header is (its height over one button's)."""
    return float(
        await page.evaluate(
            "document.querySelector('.top').getBoundingClientRect().height / "
            "document.querySelector('#help-open').getBoundingClientRect().height"
        )
    )


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_report_and_the_header_in_a_browser(own_gw: Gateway) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    await own_gw.with_person()
    async with async_playwright() as p:
        browser = await launch(p)
        page = await logged_in(browser, own_gw, LEAD)
        await page.set_viewport_size({"width": 1440, "height": 900})
        assert await header_lines(page) < 1.8  # one line (it wrapped onto two before)
        # the report from the header, with the keyboard
        await page.get_by_role("link", name="Rapport").focus()
        await page.keyboard.press("Enter")
        await page.wait_for_selector("#report-table")
        assert await header_lines(page) < 1.8
        assert "Heel het team (Open team (test))" in await page.inner_text("#report-table tfoot")
        assert await page.locator("#report-table th[scope=col]").count() == 10
        results = await Axe().run(page, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        # the settings menu opens with the keyboard and its links are reachable
        await page.locator(".menu summary").focus()
        await page.keyboard.press("Enter")
        await page.wait_for_selector(".menu[open] a[href='/console/mfa/instellingen']")
        results = await Axe().run(page, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        await page.close()
        # an admin asks for another team's report: the reason page first
        async with own_gw.factory() as s:
            from sqlalchemy import select

            from bot.staff import StaffUser, Team, hash_password

            team_id = await s.scalar(select(Team.id).where(Team.name == "Open team (test)"))
            s.add(
                StaffUser(
                    email="beheer@test.geldhulp.nl",
                    name="Beheer (test)",
                    role="admin",
                    password_hash=hash_password(PASSWORD),
                    failed_logins=0,
                )
            )
            await s.commit()
        admin = await browser.new_page(viewport={"width": 1440, "height": 900})
        base = f"http://{own_gw.client.host}:{own_gw.client.port}"
        await admin.goto(f"{base}/console/login")
        await admin.fill("#email", "beheer@test.geldhulp.nl")
        await admin.fill("#password", PASSWORD)
        await admin.click("button[type=submit]")
        await admin.wait_for_load_state()
        await admin.goto(f"{base}/console/rapport?team={team_id}")
        await admin.wait_for_selector("#reason")
        results = await Axe().run(admin, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        await admin.fill("#reason", "Kwartaalgesprek over de wachttijden van dit team")
        await admin.keyboard.press("Tab")
        await admin.keyboard.press("Enter")
        await admin.wait_for_selector("#report-table")
        await browser.close()


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_typing_shows_both_ways_between_the_web_chat_and_the_console(
    own_gw: Gateway,
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    base = f"http://{own_gw.client.host}:{own_gw.client.port}"
    async with async_playwright() as p:
        browser = await launch(p)
        chat = await browser.new_page(viewport={"width": 360, "height": 740})
        await chat.goto(f"{base}/chat")
        await chat.wait_for_selector(".msg--greeting")  # the welcome came: the token is kept
        token = await chat.evaluate("window.localStorage.getItem('geldhulp-token')")
        resident = await own_gw.with_person(channel="web", address=token)
        console = await logged_in(browser, own_gw, SANNE)
        await console.goto(f"{base}/console/c/{resident.conversation_id}")
        await console.wait_for_selector("#reply")
        # the resident types (nothing sent yet): the person sees "Inwoner typt…"
        await chat.locator("#input").type("ik heb een vraag over")
        await console.wait_for_selector("#resident-typing >> text=Inwoner typt…")
        results = await Axe().run(console, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        # …and it goes again when they stop
        await console.wait_for_selector("#resident-typing:empty", state="attached")
        # the person types: the resident's status line says someone of the team is typing
        await console.locator("#reply").type("Dat kan ik voor je uitzoeken")
        await chat.wait_for_selector("#typing >> text=Iemand van het team typt een bericht…")
        assert await chat.get_attribute("#typing", "role") == "status"
        results = await Axe().run(chat, options=WCAG)
        assert results.response["violations"] == [], results.generate_report()
        # the message replaces the line
        await console.keyboard.press("Control+Enter")
        await chat.wait_for_selector(".msg >> text=Dat kan ik voor je uitzoeken")
        await chat.wait_for_selector("#typing:empty", state="attached")
        await browser.close()
