"""An analyst in headless Chromium (Debian's, through Playwright): the first screen at 1280x800,
tables behind toggles, a CSV, charts whose labels fit, the whole page within three screens; the
local-help form used with the keyboard only; axe-core WCAG 2.1 A/AA on every dashboard page at
desktop and phone width. Screenshots: test-artifacts/ (and docs/img/ with GELDHULP_UPDATE_DOC_IMAGES=1)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.analytics.tables import UnansweredQuestion
from bot.demo.history import seed as seed_history
from bot.demo.local_help import seed as seed_local_help
from bot.directory.tables import HelpService
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A
from tests.support.browser import launch, publish_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
# every text in a chart lies inside its SVG's drawing area (nothing cut off)
LABELS_INSIDE = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart, svg.spark')) {
    const box = svg.viewBox.baseVal;
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      if (b.x < -1 || b.x + b.width > box.width + 1 || b.y < -1 || b.y + b.height > box.height + 1)
        out.push(svg.closest('section, li').id + ': ' + text.textContent);
    }
  }
  return out;
}"""


async def seeded(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        await seed_history(factory, if_empty=False)
        await seed_local_help(factory, if_empty=False)


async def log_in(page: Any, base: str) -> None:
    await page.goto(f"{base}/console/login")
    await page.fill("#email", ANALYST_A)
    await page.fill("#password", "demo-geldhulp")
    await page.click("button[type=submit]")
    await page.wait_for_load_state()


async def no_violations(page: Any, where: str) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, options=WCAG)
    assert results.response["violations"] == [], f"{where}\n{results.generate_report()}"


async def test_the_first_screen_reads_at_a_glance(dashboard, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    await seeded(db_url)
    base = f"http://{dashboard.host}:{dashboard.port}"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = await context.new_page()
        await log_in(page, base)
        await page.goto(f"{base}/dashboard/")
        # the whole page within three screens of 1280x800
        height = await page.evaluate("document.documentElement.scrollHeight")
        (ARTIFACTS / "dashboard-height.txt").write_text(f"{height}\n")
        assert height <= 3 * DESKTOP["height"], height
        # the first screen: six figures, each with a change and a trend, and two charts
        cards = page.locator("ul.cards > li.card")
        assert await cards.count() == 6
        for i in range(6):
            box = await cards.nth(i).bounding_box()
            assert box is not None and box["y"] + box["height"] <= DESKTOP["height"]
            assert await cards.nth(i).locator("svg.spark").count() == 1
        assert "t.o.v." in await page.inner_text("#figure-conversations")
        for key in ("conversations", "topic_changes"):
            box = await page.locator(f"#{key} svg.chart").bounding_box()
            assert box is not None and box["y"] < DESKTOP["height"], key
        assert "demo-gegevens" in await page.inner_text(".banner")
        assert await page.evaluate(LABELS_INSIDE) == []
        await page.screenshot(path=str(ARTIFACTS / "dashboard.png"))
        await page.screenshot(path=str(ARTIFACTS / "dashboard-full.png"), full_page=True)

        # a table behind its toggle, opened with the keyboard
        summary = page.locator("#conversations summary")
        await summary.focus()
        await page.keyboard.press("Enter")
        assert await page.locator("#conversations details").get_attribute("open") is not None
        assert await page.locator("#conversations table").is_visible()
        await page.keyboard.press("Enter")
        assert await page.locator("#conversations details").get_attribute("open") is None

        async with page.expect_download() as info:
            await page.click("#topic_changes a.csv >> nth=0")
        target = tmp_path / "topic_changes.csv"
        await (await info.value).save_as(target)
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("onderwerp,vorige periode,deze periode") and len(lines) > 5

        # the period selector
        await page.select_option("#dagen", "30")
        await page.click(".filters button[type=submit]")
        await page.wait_for_url("**dagen=30**")
        assert "vergeleken met de 30 dagen ervoor" in await page.inner_text(".period-note")

        async with open_database(db_url) as (_e, factory), factory() as s:
            question = await s.scalar(
                select(UnansweredQuestion.id).where(
                    UnansweredQuestion.municipality_code == "GM0014"
                )
            )
        pages = [
            ("/dashboard/", "overview"),
            ("/dashboard/beoordelen", "review"),
            (f"/dashboard/beoordelen/vraag/{question}", "question"),
            ("/dashboard/lokale-hulp", "local-help"),
            ("/dashboard/lokale-hulp/nieuw", "local-help-new"),
            ("/dashboard/lokale-hulp/hulp/almelo_sociaal_inloop?gemeente=GM0141", None),
            ("/dashboard/lokale-hulp/hulp/groningen_eerste_hulp_geldzaken", "local-help-edit"),
        ]
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            await page.set_viewport_size(viewport)
            for path, shot in pages:
                response = await page.goto(f"{base}{path}")
                assert response is not None
                if shot is None:  # another municipality's entry: not there for this analyst
                    assert response.status == 403
                    continue
                assert response.status == 200, path
                await page.evaluate(
                    "document.querySelectorAll('details').forEach(d => d.open = true)"
                )
                await no_violations(page, f"{path} ({name})")
                await page.screenshot(path=str(ARTIFACTS / f"dashboard-{shot}-{name}.png"))
            if name == "phone":
                await page.goto(f"{base}/dashboard/")
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"] + 1, width
        await page.set_viewport_size(DESKTOP)
        await page.goto(f"{base}/dashboard/beoordelen")
        assert await page.locator("article.question").count() > 0  # demo questions to review
        await page.screenshot(path=str(ARTIFACTS / "dashboard-review.png"))
        await browser.close()
    publish_screenshots(ARTIFACTS, "dashboard.png", "dashboard-review.png")


async def tab_to(page: Any, element_id: str, limit: int = 120) -> None:
    """Press Tab until the element has focus (keyboard only, as a person would)."""
    for _ in range(limit):
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} never got focus with Tab")


async def test_the_local_help_form_with_the_keyboard_only(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    from playwright.async_api import async_playwright

    await seeded(db_url)
    base = f"http://{dashboard.host}:{dashboard.port}"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport=DESKTOP)
        await log_in(page, base)
        await page.goto(f"{base}/dashboard/lokale-hulp")
        await page.screenshot(path=str(ARTIFACTS / "local-help-list.png"))
        # from the list to the form: Tab to the link, Enter
        for _ in range(40):
            focused = await page.evaluate(
                "document.activeElement.tagName == 'A' ? document.activeElement.textContent : ''"
            )
            if "Nieuwe hulp toevoegen" in focused:
                break
            await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/lokale-hulp/nieuw**")

        async def type_into(element_id: str, text: str) -> None:
            await tab_to(page, element_id)
            await page.keyboard.type(text)

        await type_into("name", "Inloop geldvragen Oosterpark")
        await type_into("description", "Je kunt zonder afspraak langskomen met vragen over geld.")
        await tab_to(page, "kind-debt_help")
        await page.keyboard.press("Space")
        await type_into("phone", "bel-me-maar")  # wrong on purpose
        await type_into("website", "https://gemeente.example.nl/inloop-geld")
        await tab_to(page, "walk_in_place-nee")  # the checked radio of the group
        await page.keyboard.press("ArrowLeft")  # to "Ja"
        await type_into("hours_di_from", "09:30")
        await type_into("hours_di_until", "11:30")
        await tab_to(page, "checked")
        await page.keyboard.press("Space")
        await tab_to(page, "checked_on")
        await page.keyboard.press("Control+A")
        await page.keyboard.type(date.today().strftime("%d-%m-%Y"))
        await page.keyboard.press("Enter")  # submits the form
        await page.wait_for_selector(".error-summary")
        summary = await page.inner_text(".error-summary")
        assert "Telefoonnummer" in summary and "Adres" in summary  # a walk-in needs its address
        await no_violations(page, "form with problems")
        await page.screenshot(path=str(ARTIFACTS / "local-help-form-errors.png"), full_page=True)
        # the summary links take the keyboard to the field
        link = page.locator(".error-summary a", has_text="Telefoonnummer")
        await link.focus()
        await page.keyboard.press("Enter")
        assert await page.evaluate("document.activeElement.id") == "phone"
        await page.keyboard.press("Control+A")
        await page.keyboard.type("050 367 1122")
        await type_into("address", "Voorbeeldstraat 1, Groningen")
        await tab_to(page, "checked")
        if not await page.is_checked("#checked"):
            await page.keyboard.press("Space")
        await tab_to(page, "checked_on")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**klaar=checked**")
        assert "Opgeslagen en gecontroleerd" in await page.inner_text("p.notice")
        row = page.locator('tr[data-id="inloop-geldvragen-oosterpark-gm0014"]')
        assert "Mila (demo)" in await row.inner_text()  # who checked it, and the date
        await row.get_by_role("link").focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/hulp/inloop-geldvragen-oosterpark-gm0014**")
        assert await page.is_checked("#walk_in_place-ja")
        assert await page.input_value("#hours_di_from") == "09:30"
        await no_violations(page, "filled form")
        await page.screenshot(path=str(ARTIFACTS / "local-help-form.png"), full_page=True)
        await browser.close()
    async with open_database(db_url) as (_e, factory), factory() as s:
        row = await s.get(HelpService, "inloop-geldvragen-oosterpark-gm0014")
    assert row is not None and row.phone == "050 367 1122" and row.walk_in_place
    assert row.opening_hours == {"di": [["09:30", "11:30"]]} and row.categories == ["debt_help"]
    assert row.verified and row.last_checked == date.today() and row.checked_by == "Mila (demo)"
    publish_screenshots(
        ARTIFACTS, "local-help-form.png", "local-help-form-errors.png", "local-help-list.png"
    )
