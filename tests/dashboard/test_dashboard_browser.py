"""An analyst in headless Chromium: log in, see the charts (SVG) and download a CSV.
Screenshots go to test-artifacts/ (and docs/img/dashboard.png for the docs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.demo.history import seed
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A
from tests.support.browser import launch

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_analyst_sees_charts_and_downloads_csv(dashboard, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
    base = f"http://{dashboard.host}:{dashboard.port}"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = await context.new_page()
        await page.goto(f"{base}/console/login")
        await page.fill("#email", ANALYST_A)
        await page.fill("#password", "demo-geldhulp")
        await page.click("button[type=submit]")
        await page.goto(f"{base}/dashboard/")
        await page.wait_for_selector("svg.chart rect")
        assert await page.locator("svg.chart").count() >= 8
        assert await page.locator("svg.chart rect.bar").count() > 0
        assert "demo-gegevens" in await page.inner_text(".banner")
        await page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
        await page.screenshot(path=str(ARTIFACTS / "dashboard-full.png"), full_page=True)
        async with page.expect_download() as info:
            await page.click("#topics a.csv")
        download = await info.value
        target = tmp_path / "topics.csv"
        await download.save_as(target)
        await browser.close()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "periode,onderwerp,berichten" and len(lines) > 5
    shutil.copy(ARTIFACTS / "dashboard.png", ROOT / "docs" / "img" / "dashboard.png")
