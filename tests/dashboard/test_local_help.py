"""Editing a municipality's own local-help entries: the directory import's validator, own municipality only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.directory.repository import import_reference
from bot.directory.tables import HelpService
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A, login_as

NEW = """format: geldhulp-directory/1
municipality: GM0014
services:
- id: test-inloop-groningen
  name: Inloopspreekuur geldzaken (voorbeeld)
  description: Je kunt zonder afspraak langskomen met je vragen over geld.
  categories: [debt_help]
  scope: municipality
  municipalities: [GM0014]
  example: true
"""


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_analyst_edits_own_entries_with_the_import_rules(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    async with open_database(db_url) as (_e, factory), factory() as session:
        await import_reference(session)
        await session.commit()
    csrf = await login_as(dashboard, ANALYST_A)
    page = await dashboard.get("/dashboard/lokale-hulp")
    assert page.status == 200 and "geldhulp-directory/1" in await page.text()

    bad = NEW.replace("categories: [debt_help]", "categories: [debt_help]\n  phone: bel-me-maar")
    response = await dashboard.post(
        "/dashboard/lokale-hulp?gemeente=GM0014", data={"text": bad, "csrf": csrf}
    )
    assert response.status == 422
    assert "geen Nederlands telefoonnummer" in await response.text()
    async with open_database(db_url) as (_e, factory), factory() as session:
        assert (
            await session.get(HelpService, "test-inloop-groningen") is None
        )  # nothing half-applied

    response = await dashboard.post(
        "/dashboard/lokale-hulp?gemeente=GM0014",
        data={"text": NEW, "csrf": csrf},
        allow_redirects=False,
    )
    assert response.status == 303
    async with open_database(db_url) as (_e, factory), factory() as session:
        row = await session.get(HelpService, "test-inloop-groningen")
        assert row is not None and row.municipalities == ["GM0014"]

    other = NEW.replace("GM0014", "GM0034")
    assert (await dashboard.get("/dashboard/lokale-hulp?gemeente=GM0034")).status == 403
    response = await dashboard.post(
        "/dashboard/lokale-hulp?gemeente=GM0034", data={"text": other, "csrf": csrf}
    )
    assert response.status == 403
    response = await dashboard.post("/dashboard/lokale-hulp?gemeente=GM0014", data={"text": NEW})
    assert response.status == 403  # no CSRF token
    async with open_database(db_url) as (_e, factory), factory() as session:
        ids = (
            await session.scalars(select(HelpService.id).where(HelpService.owner == "GM0034"))
        ).all()
    assert ids == []


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
async def test_freshness_view_flags_entries_and_marks_one_checked_with_audit(
    dashboard, db_url
) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from bot.staff import AuditEntry, StaffUser

    async with open_database(db_url) as (_e, factory), factory() as session:
        await import_reference(session)
        await session.commit()
    csrf = await login_as(dashboard, ANALYST_A)
    page = await dashboard.get("/dashboard/lokale-hulp?gemeente=GM0014")
    html = await page.text()
    assert page.status == 200
    # GKB has no phone, address, chat or page and Groningen has no sourced general number
    row = html.split('data-id="groningen_kredietbank"', 1)[1].split("</tr>", 1)[0]
    assert "Nee, inwoners zien deze hulp niet" in row and "Nooit gecontroleerd" in row
    assert 'data-id="groningen_eerste_hulp_geldzaken"' in html
    ehbg = html.split('data-id="groningen_eerste_hulp_geldzaken"', 1)[1].split("</tr>", 1)[0]
    assert "<td>Ja</td>" in ehbg
    assert "Zonder manier om vandaag te bereiken: 2" in html  # GKB and SchuldHulpMaatje
    assert "Langer dan een jaar niet gecontroleerd: 3" in html  # none was ever checked
    assert 'href="/hulp/groningen"' in html

    response = await dashboard.post(
        "/dashboard/lokale-hulp/gecontroleerd?gemeente=GM0014",
        data={"csrf": csrf, "id": "groningen_eerste_hulp_geldzaken"},
        allow_redirects=False,
    )
    assert response.status == 303
    page = await dashboard.get(response.headers["Location"])
    html = await page.text()
    assert "Gemarkeerd als gecontroleerd: Eerste Hulp bij Geldzaken" in html
    assert "Langer dan een jaar niet gecontroleerd: 2" in html
    async with open_database(db_url) as (_e, factory), factory() as session:
        row = await session.get(HelpService, "groningen_eerste_hulp_geldzaken")
        assert row is not None and row.verified and row.last_checked == date.today()
        analyst = await session.scalar(select(StaffUser).where(StaffUser.email == ANALYST_A))
        assert analyst is not None and row.checked_by == analyst.name
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.staff_id == analyst.id)
            )
        ).all()
    assert "directory.entry_checked" in actions

    # not this municipality's entry, a national one (admins only), or no entry: nothing changes
    for other in ("emmen_leger_des_heils", "geldfit", "bestaat-niet"):
        response = await dashboard.post(
            "/dashboard/lokale-hulp/gecontroleerd?gemeente=GM0014",
            data={"csrf": csrf, "id": other},
            allow_redirects=False,
        )
        assert response.status == 404, other
    response = await dashboard.post(
        "/dashboard/lokale-hulp/gecontroleerd?gemeente=GM0014",
        data={"id": "groningen_kredietbank"},
        allow_redirects=False,
    )
    assert response.status == 403  # no CSRF token
    async with open_database(db_url) as (_e, factory), factory() as session:
        for other in ("emmen_leger_des_heils", "geldfit", "groningen_kredietbank"):
            row = await session.get(HelpService, other)
            assert row is not None and not row.verified and row.checked_by is None


@pytest.mark.browser
@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_local_help_screen_works_in_chromium_and_meets_wcag_aa(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    from bot.demo.team import DEMO_PASSWORD
    from tests.support.browser import launch

    async with open_database(db_url) as (_e, factory), factory() as session:
        await import_reference(session)
        await session.commit()
    base = f"http://{dashboard.host}:{dashboard.port}"
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{base}/console/login")
        await page.fill("#email", ANALYST_A)
        await page.fill("#password", DEMO_PASSWORD)
        await page.click("button[type=submit]")
        await page.goto(f"{base}/dashboard/lokale-hulp")
        results = await Axe().run(
            page,
            options={
                "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
            },
        )
        assert results.response["violations"] == [], results.generate_report()
        row = page.locator('tr[data-id="groningen_eerste_hulp_geldzaken"]')
        await row.get_by_role("button").click()
        await page.wait_for_selector("p.banner[role=status]")
        assert "Eerste Hulp bij Geldzaken" in await page.inner_text("p.banner[role=status]")
        assert "Mila (demo)" in await row.inner_text()  # who checked it, and today's date
        await browser.close()
