"""An analyst in headless Chromium: log in, see the charts (SVG), download a CSV, open the review
list; every page passes axe-core WCAG 2.1 AA, at desktop and phone width.
Screenshots go to test-artifacts/ (and docs/img/dashboard.png, docs/img/dashboard-review.png)."""

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
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_analyst_sees_charts_and_downloads_csv(dashboard, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.async_playwright import Axe
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
        for name, viewport in (
            ("desktop", {"width": 1280, "height": 900}),
            ("phone", {"width": 360, "height": 740}),
        ):
            await page.set_viewport_size(viewport)
            for path, shot in (("/dashboard/", "overview"), ("/dashboard/beoordelen", "review")):
                await page.goto(f"{base}{path}")
                results = await Axe().run(page, options=WCAG)
                assert results.response["violations"] == [], results.generate_report()
                await page.screenshot(path=str(ARTIFACTS / f"dashboard-{shot}-{name}.png"))
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.goto(f"{base}/dashboard/beoordelen")
        assert await page.locator("article.question").count() > 0  # demo questions to review
        await page.screenshot(path=str(ARTIFACTS / "dashboard-review.png"))
        await browser.close()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "periode,onderwerp,berichten" and len(lines) > 5
    shutil.copy(ARTIFACTS / "dashboard.png", ROOT / "docs" / "img" / "dashboard.png")
    shutil.copy(ARTIFACTS / "dashboard-review.png", ROOT / "docs" / "img" / "dashboard-review.png")
