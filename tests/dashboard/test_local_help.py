"""Local help on the dashboard: a form with validation instead of YAML, the date a person checked
an entry (audited), the municipality's limit, and own municipality only (real HTTP, both DBs)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.directory.repository import import_reference
from bot.directory.tables import HelpService, Municipality
from bot.staff import AuditEntry, StaffUser
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A, ANALYST_B, login, login_as

GOOD = {
    "name": "Inloop geldvragen Oosterpark",
    "description": "Je kunt zonder afspraak langskomen met vragen over geld.",
    "phone": "050 367 1122",
    "website": "https://gemeente.example.nl/inloop-geld",
    "address": "Voorbeeldstraat 1, Groningen",
    "walk_in_place": "ja",
    "hours_di_from": "09:30",
    "hours_di_until": "11:30",
    "free": "ja",
    "anonymous": "",
    "source": "https://gemeente.example.nl/inloop-geld",
    "source_date": "2026-11",
}


async def imported(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory), factory() as session:
        await import_reference(session)
        await session.commit()


async def audit_actions(db_url: str, email: str) -> list[tuple[str, str | None, str | None]]:
    async with open_database(db_url) as (_e, factory), factory() as session:
        person = await session.scalar(select(StaffUser).where(StaffUser.email == email))
        assert person is not None
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.staff_id == person.id).order_by(AuditEntry.id)
        )
        return [(a.action, a.object_ref, a.result) for a in rows.all()]


def form_data(csrf: str, **changes: str) -> list[tuple[str, str]]:
    data = {**GOOD, **changes}
    pairs = [(k, v) for k, v in data.items()]
    return [("csrf", csrf), ("categories", "debt_help"), ("categories", "budgeting_admin"), *pairs]


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
async def test_an_analyst_adds_an_entry_through_the_form_with_validation(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await imported(db_url)
    csrf = await login_as(dashboard, ANALYST_A)
    page = await dashboard.get("/dashboard/lokale-hulp/nieuw")
    html = await page.text()
    assert page.status == 200 and "geldhulp-directory" not in html and "<textarea" in html
    assert 'name="hours_ma_from"' in html and 'type="tel"' in html

    bad = form_data(
        csrf,
        phone="bel-me-maar",
        website="gemeente.example",
        address="",
        hours_di_until="08:00",
        checked="ja",
        checked_on=(date.today() + timedelta(days=3)).strftime("%d-%m-%Y"),
    )
    response = await dashboard.post("/dashboard/lokale-hulp/nieuw?gemeente=GM0014", data=bad)
    html = await response.text()
    assert response.status == 422
    assert 'role="alert"' in html and "Er zijn 5 punten om te verbeteren" in html
    for anchor in ("#phone", "#website", "#address", "#hours_di_from", "#checked_on"):
        assert f'href="{anchor}"' in html
    assert 'id="phone" name="phone" type="tel" value="bel-me-maar"' in html  # input kept
    assert html.count('aria-invalid="true"') >= 4
    async with open_database(db_url) as (_e, factory), factory() as session:
        owned = (
            await session.scalars(select(HelpService.id).where(HelpService.owner == "GM0014"))
        ).all()
    assert owned == []  # nothing half-saved

    checked_day = date.today() - timedelta(days=2)
    good = form_data(csrf, checked="ja", checked_on=checked_day.strftime("%d-%m-%Y"))
    response = await dashboard.post(
        "/dashboard/lokale-hulp/nieuw?gemeente=GM0014", data=good, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    assert "klaar=checked" in response.headers["Location"]
    listing = await (await dashboard.get(response.headers["Location"])).text()
    assert "Opgeslagen en gecontroleerd: Inloop geldvragen Oosterpark." in listing
    async with open_database(db_url) as (_e, factory), factory() as session:
        row = await session.get(HelpService, "inloop-geldvragen-oosterpark-gm0014")
        analyst = await session.scalar(select(StaffUser).where(StaffUser.email == ANALYST_A))
    assert row is not None and analyst is not None
    assert (
        row.municipalities == ["GM0014"] and row.scope == "municipality" and row.owner == "GM0014"
    )
    assert row.opening_hours == {"di": [["09:30", "11:30"]]} and row.walk_in == "di 09.30-11.30"
    assert row.walk_in_place and row.free is True and row.anonymous is None
    assert row.categories == ["debt_help", "budgeting_admin"]
    assert row.verified and row.last_checked == checked_day and row.checked_by == analyst.name
    actions = await audit_actions(db_url, ANALYST_A)
    ref = "service:inloop-geldvragen-oosterpark-gm0014"
    assert ("directory.entry_saved", ref, "created") in actions
    assert ("directory.entry_checked", ref, f"checked on {checked_day}") in actions
    assert any(a[0] == "directory.entry_saved" and a[2].startswith("invalid") for a in actions)

    # the public page says so at once
    public = await (await dashboard.get("/hulp/groningen")).text()
    assert "Inloop geldvragen Oosterpark" in public
    assert f"gecontroleerd op {checked_day.strftime('%d-%m-%Y')}" in public


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
async def test_changing_the_facts_without_a_new_check_clears_the_check(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await imported(db_url)
    csrf = await login_as(dashboard, ANALYST_A)
    await dashboard.post(
        "/dashboard/lokale-hulp/nieuw?gemeente=GM0014",
        data=form_data(csrf, checked="ja", checked_on=date.today().strftime("%d-%m-%Y")),
        allow_redirects=False,
    )
    path = "/dashboard/lokale-hulp/hulp/inloop-geldvragen-oosterpark-gm0014?gemeente=GM0014"
    html = await (await dashboard.get(path)).text()
    assert 'value="050 367 1122"' in html and "Nu: gecontroleerd op" in html
    assert re.search(r'id="walk_in_place-ja"[^>]*checked', html)
    response = await dashboard.post(
        path, data=form_data(csrf, phone="0800-8115"), allow_redirects=False
    )
    assert response.status == 303 and "klaar=cleared" in response.headers["Location"]
    async with open_database(db_url) as (_e, factory), factory() as session:
        row = await session.get(HelpService, "inloop-geldvragen-oosterpark-gm0014")
    assert row is not None and row.phone == "0800-8115"
    assert not row.verified and row.last_checked is None and row.checked_by is None
    assert (
        "directory.entry_saved",
        "service:inloop-geldvragen-oosterpark-gm0014",
        "changed, check cleared",
    ) in await audit_actions(db_url, ANALYST_A)


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_only_own_entries_and_a_csrf_token(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await imported(db_url)
    csrf = await login_as(dashboard, ANALYST_A)
    # another municipality: refused on every local-help route
    assert (await dashboard.get("/dashboard/lokale-hulp?gemeente=GM0034")).status == 403
    assert (await dashboard.get("/dashboard/lokale-hulp/nieuw?gemeente=GM0034")).status == 403
    response = await dashboard.post(
        "/dashboard/lokale-hulp/nieuw?gemeente=GM0034", data=form_data(csrf)
    )
    assert response.status == 403
    # an entry of another municipality, or a national one, is not there for A
    for other in ("emmen_leger_des_heils", "geldfit", "bestaat-niet"):
        page = await dashboard.get(f"/dashboard/lokale-hulp/hulp/{other}?gemeente=GM0014")
        assert page.status == 404, other
        response = await dashboard.post(
            f"/dashboard/lokale-hulp/hulp/{other}?gemeente=GM0014", data=form_data(csrf)
        )
        assert response.status == 404, other
        response = await dashboard.post(
            f"/dashboard/lokale-hulp/hulp/{other}/verwijderen?gemeente=GM0014", data={"csrf": csrf}
        )
        assert response.status == 404, other
    # no CSRF token
    response = await dashboard.post(
        "/dashboard/lokale-hulp/nieuw?gemeente=GM0014", data=form_data("")[1:]
    )
    assert response.status == 403
    async with open_database(db_url) as (_e, factory), factory() as session:
        rows = (await session.scalars(select(HelpService))).all()
    assert not [r.id for r in rows if r.owner in ("GM0014", "GM0034")]
    emmen = next(r for r in rows if r.id == "emmen_leger_des_heils")
    assert emmen.verified is False

    # B may change Almere's, and remove an entry of Almere alone
    await dashboard.post("/console/logout", data={"csrf": csrf})
    dashboard.session.cookie_jar.clear()
    csrf_b = await login_as(dashboard, ANALYST_B)
    response = await dashboard.post(
        "/dashboard/lokale-hulp/nieuw?gemeente=GM0034",
        data=form_data(csrf_b, address="Stadhuisplein 1, Almere"),
        allow_redirects=False,
    )
    assert response.status == 303
    path = "/dashboard/lokale-hulp/hulp/inloop-geldvragen-oosterpark-gm0034"
    response = await dashboard.post(
        f"{path}/verwijderen?gemeente=GM0034", data={"csrf": csrf_b}, allow_redirects=False
    )
    assert response.status == 303
    async with open_database(db_url) as (_e, factory), factory() as session:
        assert await session.get(HelpService, "inloop-geldvragen-oosterpark-gm0034") is None
    assert ("directory.entry_removed", "service:inloop-geldvragen-oosterpark-gm0034", None) in [
        (a, r, None) for a, r, _ in await audit_actions(db_url, ANALYST_B)
    ]


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
async def test_freshness_flags_entries_older_than_the_municipality_limit(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await imported(db_url)
    async with open_database(db_url) as (_e, factory), factory() as session:
        old = await session.get(HelpService, "groningen_schuldhulpmaatje")
        assert old is not None
        old.verified, old.last_checked, old.checked_by = (
            True,
            date.today() - timedelta(days=200),
            "X",
        )
        await session.commit()
    csrf = await login_as(dashboard, ANALYST_A)
    html = await (await dashboard.get("/dashboard/lokale-hulp")).text()
    # GKB has no phone, address, chat or page and Groningen has no sourced general number
    row = html.split('data-id="groningen_kredietbank"', 1)[1].split("</tr>", 1)[0]
    assert "Nee, inwoners zien deze hulp niet" in row and "Nooit gecontroleerd" in row
    ehbg = html.split('data-id="groningen_eerste_hulp_geldzaken"', 1)[1].split("</tr>", 1)[0]
    assert "<td>Ja</td>" in ehbg
    assert "Zonder manier om vandaag te bereiken: 2" in html  # GKB and SchuldHulpMaatje
    assert "Langer dan 180 dagen niet gecontroleerd: 3" in html  # 200 days is too old
    shm = html.split('data-id="groningen_schuldhulpmaatje"', 1)[1].split("</tr>", 1)[0]
    assert "flag-overdue" in html.split('data-id="groningen_schuldhulpmaatje"', 1)[0][-80:]
    assert "te lang geleden" in shm
    assert 'href="/hulp/groningen"' in html

    response = await dashboard.post(
        "/dashboard/lokale-hulp/termijn?gemeente=GM0014",
        data={"csrf": csrf, "days": "365"},
        allow_redirects=False,
    )
    assert response.status == 303
    html = await (await dashboard.get(response.headers["Location"])).text()
    assert "Bewaard: hulp is te oud na 365 dagen." in html
    assert "Langer dan 365 dagen niet gecontroleerd: 2" in html  # the never-checked ones
    for wrong in ("3", "10000", "veel"):
        response = await dashboard.post(
            "/dashboard/lokale-hulp/termijn?gemeente=GM0014", data={"csrf": csrf, "days": wrong}
        )
        assert response.status == 400
    async with open_database(db_url) as (_e, factory), factory() as session:
        muni = await session.get(Municipality, "GM0014")
    assert muni is not None and muni.check_limit_days == 365
    assert ("directory.limit_set", "municipality:GM0014", "365 days") in await audit_actions(
        db_url, ANALYST_A
    )

    # "Gecontroleerd vandaag" sets today's date, the person and an audit entry
    response = await dashboard.post(
        "/dashboard/lokale-hulp/gecontroleerd?gemeente=GM0014",
        data={"csrf": csrf, "id": "groningen_eerste_hulp_geldzaken"},
        allow_redirects=False,
    )
    assert response.status == 303
    html = await (await dashboard.get(response.headers["Location"])).text()
    assert "Opgeslagen en gecontroleerd: Eerste Hulp bij Geldzaken (gemeente Groningen)." in html
    async with open_database(db_url) as (_e, factory), factory() as session:
        row = await session.get(HelpService, "groningen_eerste_hulp_geldzaken")
    assert row is not None and row.verified and row.last_checked == date.today()
    for other in ("emmen_leger_des_heils", "geldfit", "bestaat-niet"):
        response = await dashboard.post(
            "/dashboard/lokale-hulp/gecontroleerd?gemeente=GM0014",
            data={"csrf": csrf, "id": other},
            allow_redirects=False,
        )
        assert response.status == 404, other


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_counsellor_may_not_edit_local_help(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await imported(db_url)
    await login(dashboard, "consulent@demo.geldhulp.nl")
    assert (await dashboard.get("/dashboard/lokale-hulp", allow_redirects=False)).status == 403
    assert (
        await dashboard.get("/dashboard/lokale-hulp/nieuw", allow_redirects=False)
    ).status == 403
