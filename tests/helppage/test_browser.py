"""/hulp/<gemeente> in headless Chromium: phone and desktop, axe-core WCAG 2.1 AA, one A4 in print."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.support.browser import launch

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
VIEWPORTS = (("phone", {"width": 360, "height": 740}), ("desktop", {"width": 1280, "height": 800}))


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF that Chromium wrote (each page object has /Type /Page)."""
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


@pytest.mark.parametrize("place", ["den-haag", "emmen", "delft", "almere"])
async def test_the_page_is_accessible_on_phone_and_desktop_and_prints_on_one_a4(
    site: TestClient, place: str
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    base = f"http://{site.host}:{site.port}"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        for name, viewport in VIEWPORTS:
            page = await browser.new_page(viewport=viewport)
            requested: list[str] = []
            page.on("request", lambda r, seen=requested: seen.append(r.url))
            response = await page.goto(f"{base}/hulp/{place}")
            assert response is not None and response.status == 200
            results = await Axe().run(page, options=AA)
            assert results.response["violations"] == [], results.generate_report()
            # nothing fetched from anywhere but this server: no CDN, no tracking
            assert requested and all(u.startswith(base) for u in requested), requested
            # fits the screen: no sideways scrolling on a phone
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"]
            chat = page.get_by_role("link", name="Chat met Geldhulp").first
            assert await chat.is_visible() and await chat.get_attribute("href") == "/chat"
            await page.screenshot(path=str(ARTIFACTS / f"hulp-{place}-{name}.png"), full_page=True)
            await page.close()

        page = await browser.new_page()
        await page.goto(f"{base}/hulp/{place}")
        await page.emulate_media(media="print")
        assert not await page.locator("header.top").is_visible()  # no buttons on paper
        assert await page.locator(".print-only").first.is_visible()  # the chat address instead
        columns = await page.evaluate(
            "getComputedStyle(document.querySelector('.entries')).columnCount"
        )
        assert columns == "2"
        pdf = await page.pdf(format="A4", print_background=True)
        (ARTIFACTS / f"hulp-{place}.pdf").write_bytes(pdf)
        assert pdf_pages(pdf) == 1, f"{place} prints on {pdf_pages(pdf)} pages"
        await browser.close()


async def test_the_not_found_page_is_accessible(site: TestClient) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 360, "height": 740})
        response = await page.goto(f"http://{site.host}:{site.port}/hulp/atlantis")
        assert response is not None and response.status == 404
        results = await Axe().run(page, options=AA)
        assert results.response["violations"] == [], results.generate_report()
        await page.fill("#gemeente", "Emmen")
        await page.click("button[type=submit]")
        await page.wait_for_url("**/hulp/emmen")
        assert "Hulp bij geldzorgen in Emmen" in await page.locator("h1").inner_text()
        await browser.close()


@pytest.mark.parametrize("place", ["almelo", "groningen", "delft", "midden-groningen"])
async def test_the_page_with_demo_walk_ins_and_checks_is_accessible_and_prints_on_one_a4(
    site: TestClient, directory_url: str, place: str
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    from bot.demo.local_help import seed
    from bot.storage.db import open_database

    async with open_database(directory_url) as (_e, factory):
        await seed(factory, if_empty=False)
    base = f"http://{site.host}:{site.port}"
    async with async_playwright() as p:
        browser = await launch(p)
        for name, viewport in VIEWPORTS:
            page = await browser.new_page(viewport=viewport)
            response = await page.goto(f"{base}/hulp/{place}")
            assert response is not None and response.status == 200
            text = await page.inner_text("main")
            assert "gecontroleerd op" in text and "demo-gegevens" in text
            results = await Axe().run(page, options=AA)
            assert results.response["violations"] == [], results.generate_report()
            await page.screenshot(
                path=str(ARTIFACTS / f"hulp-{place}-demo-{name}.png"), full_page=True
            )
            await page.close()
        page = await browser.new_page()
        await page.goto(f"{base}/hulp/{place}")
        await page.emulate_media(media="print")
        pdf = await page.pdf(format="A4", print_background=True)
        assert pdf_pages(pdf) == 1, f"{place} prints on {pdf_pages(pdf)} pages"
        await browser.close()
