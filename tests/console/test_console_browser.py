"""A counsellor in headless Chromium: log in, take a waiting chat, reply; the reply reaches the
fake Telegram API. Screenshots go to test-artifacts/ (and docs/img/console.png with GELDHULP_UPDATE_DOC_IMAGES=1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.conftest import tg, wait_handover
from tests.support.browser import launch

pytestmark = [pytest.mark.rasa, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_counsellor_takes_and_replies_in_the_browser(console, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    telegram, _ = fakes
    chat = 6200001
    await tg(console, 41, chat, "de deurwaarder staat morgen aan de deur en ik heb geen eten")
    await telegram.wait_for(3, chat_id=chat)
    await tg(console, 42, chat, payload="/choose_counsellor")
    await wait_handover(db_url)
    base = f"http://{console.host}:{console.port}"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 1200, "height": 800})
        await page.goto(f"{base}/console/login")
        await page.fill("#email", "landelijk@demo.geldhulp.nl")
        await page.fill("#password", "demo-geldhulp")
        await page.click("button[type=submit]")
        await page.wait_for_selector("#queue li[data-id]")
        await page.screenshot(path=str(ARTIFACTS / "console-queue.png"), full_page=True)
        await page.click("#queue li[data-id] a")
        await page.wait_for_selector("#take")
        await page.click("#take")
        await page.wait_for_selector("#reply")
        await page.fill("#reply", "Hoi, ik ben Joris. Ik help je met de deurwaarder.")
        await page.click("#send")
        await page.wait_for_selector("text=Ik help je met de deurwaarder")
        await page.screenshot(path=str(ARTIFACTS / "console.png"), full_page=True)
        await browser.close()
    await telegram.wait_until(
        lambda: any(
            m["text"]
            == "Joris, schuldhulpverlener:\nHoi, ik ben Joris. Ik help je met de deurwaarder."
            for m in telegram.sent(chat)
        ),
        lambda: telegram.sent(chat),
    )
    # docs/img/console.png comes from tests/console/test_console_panes_browser.py
