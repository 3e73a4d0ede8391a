"""A counsellor sets up the second factor and logs in with it, in headless Chromium, against the
app as it runs outside development (MFA required, Secure cookies); the login and MFA screens pass
axe-core (WCAG 2.1 AA). Screenshots go to test-artifacts/."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest

from tests.staff.conftest import COUNSELLOR, PASSWORD, seed_staff
from tests.support.browser import launch

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def assert_accessible(page, name: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    violations = results.response["violations"]
    assert not violations, (name, [(v["id"], v["nodes"][0]["html"]) for v in violations])


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_totp_enrolment_and_login_in_the_browser(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    await seed_staff(db_url)
    client = await staff_app(env="production")
    base = f"http://{client.host}:{client.port}"  # loopback counts as secure: Secure cookies work
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 1000, "height": 900})
        await page.goto(f"{base}/console/login")
        await assert_accessible(page, "login")
        await page.fill("#email", COUNSELLOR)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")

        await page.wait_for_selector("figure.qr svg")  # the QR code, inline
        assert page.url.endswith("/console/mfa/enrol")
        await assert_accessible(page, "enrol")
        await page.screenshot(path=str(ARTIFACTS / "mfa-enrol.png"), full_page=True)
        secret = (await page.inner_text("#secret")).replace(" ", "")
        totp = pyotp.TOTP(secret)
        await page.fill("#code", totp.now())
        await page.click("button[type=submit]")

        await page.wait_for_selector("#recovery-codes li")
        assert len(await page.query_selector_all("#recovery-codes li")) == 10
        await assert_accessible(page, "recovery codes")
        await page.click("text=Ik heb de codes bewaard")
        await page.wait_for_selector("text=Uitloggen")
        assert page.url.endswith("/console/")
        cookies = {c["name"]: c for c in await page.context.cookies()}
        assert cookies["gh_console"]["secure"] and cookies["gh_console"]["httpOnly"]
        assert cookies["gh_console"]["sameSite"] == "Strict"

        await page.click("text=Uitloggen")
        await page.wait_for_selector("#password")
        await page.fill("#email", COUNSELLOR)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_selector("#code")
        assert page.url.endswith("/console/mfa")
        await page.fill("#code", "123456")
        await page.click("button[type=submit]")
        await page.wait_for_selector("[role=alert]")
        await assert_accessible(page, "code with error")
        await page.fill("#code", totp.at(time.time() + 30))  # the set-up code works only once
        await page.click("button[type=submit]")
        await page.wait_for_selector("text=Uitloggen")
        assert page.url.endswith("/console/")
        await page.screenshot(path=str(ARTIFACTS / "mfa-logged-in.png"), full_page=True)
        await browser.close()
