"""The resident's side in headless Chromium on a 360 px phone: a person's messages show the
person's first name and role, apart from the assistant's; every message has a visible author
label inside the live log (read out by screen readers); the chat scrolls to each new message."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.conversations.keys import WAKEUPS
from bot.conversations.tables import Conversation
from bot.staff import StaffUser
from tests.conversations.conftest import Gateway
from tests.support.browser import launch

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
IN_VIEW = """() => {
  const log = document.getElementById('log');
  const last = log.lastElementChild.getBoundingClientRect();
  const box = log.getBoundingClientRect();
  const seen = Math.min(box.bottom, window.innerHeight);
  return last.bottom <= seen + 1 && last.top >= Math.max(box.top, 0) - 1;
}"""


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_persons_messages_are_labelled_and_the_phone_scrolls_to_each(
    own_gw: Gateway,
) -> None:
    from playwright.async_api import async_playwright

    token = secrets.token_urlsafe(24)
    resident = await own_gw.waiting(channel="web", address=token)
    base = f"http://{own_gw.client.host}:{own_gw.client.port}"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 360, "height": 640})
        await page.add_init_script(f"window.localStorage.setItem('geldhulp-token', '{token}')")
        await page.goto(f"{base}/chat")
        await page.wait_for_selector("#log .msg")  # the chat so far (history)
        assert await page.get_attribute("#log", "aria-live") == "polite"
        await own_gw.take(resident, "sanne@test.geldhulp.nl")
        joined = page.locator("#log .msg--person").first
        await joined.wait_for()
        assert (await joined.locator(".who").inner_text()).startswith("Sanne, schuldhulpverlener")
        assert await joined.locator(".who").is_visible()
        async with own_gw.factory() as s:
            conv = await s.get(Conversation, resident.conversation_id)
            sanne = await s.scalar(
                select(StaffUser).where(StaffUser.email == "sanne@test.geldhulp.nl")
            )
        assert conv is not None and sanne is not None
        for n in range(1, 9):
            text = (
                f"Bericht {n}: ik kijk met je mee naar de brieven. Vertel gerust wat er staat, "
                "dan zoeken we samen uit wat de eerste stap kan zijn."
            )
            async with own_gw.factory() as s:
                conv = await s.get(Conversation, resident.conversation_id)
                assert conv is not None
                await resident.service.say(s, conv, sanne, text)
                await s.commit()
            own_gw.client.app[WAKEUPS].outbox.set()
            await page.wait_for_selector(f"#log .msg--person >> text=Bericht {n}:")
            await page.wait_for_function(IN_VIEW)  # scrolled to the new message
            label = page.locator("#log .msg").last.locator(".who")
            assert (await label.inner_text()).strip() == "Sanne, schuldhulpverlener:"
        # the resident's own messages and the assistant's are labelled too, each differently
        await page.fill("#input", "dank je, ik pak de brief erbij")
        await page.press("#input", "Enter")
        mine = page.locator("#log .msg--me").last
        await mine.wait_for()
        assert (await mine.locator(".who").inner_text()).startswith("Jij")
        bot = page.locator("#log .msg--bot").first
        assert (await bot.locator(".who").inner_text()).startswith("Geldhulp")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        # after a reload the history still tells the person's messages from the assistant's
        await page.reload()
        await page.wait_for_selector("#log .msg--person >> text=Bericht 8:")
        kept = page.locator("#log .msg--person >> text=Bericht 8:").locator("xpath=..")
        assert (await kept.locator(".who").inner_text()).strip() == "Sanne, schuldhulpverlener:"
        assert await page.locator("#log .msg--bot").count() >= 1
        await page.screenshot(path=str(ARTIFACTS / "webchat-person-phone.png"), full_page=False)
        await browser.close()
