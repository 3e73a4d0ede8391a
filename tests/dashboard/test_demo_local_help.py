"""Demo local help: every walk-in fact is in its source's quote, demo checks are marked as demo,
and the demo shows on the dashboard (flagged) and on the public page (both databases)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.demo import local_help
from bot.directory import hours, rules
from bot.directory.files import parse_directory_file
from bot.directory.tables import HelpService
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A, login_as

DAY_WORDS = {"ma": "maandag", "di": "dinsdag", "wo": "woensdag", "do": "donderdag", "vr": "vrijdag"}


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("place", local_help.NEW_PLACES, ids=lambda p: p.values["id"])
def test_every_fact_of_a_demo_walk_in_place_is_in_its_source(place: local_help.WalkIn) -> None:
    values, quote = place.values, place.quote
    for phrase in place.facts:
        assert phrase in quote, phrase
    assert digits(values["phone"]) in digits(quote)
    street, _, town = values["address"].partition(", ")
    assert street in quote and town in quote
    for day, ranges in values["opening_hours"].items():
        assert DAY_WORDS[day] in quote, day
        for start, until in ranges:
            assert start.lstrip("0") in quote and until.lstrip("0") in quote
    assert values["source"].startswith("https://") and values["source_date"]
    assert rules.is_exact_page(values["website"])
    record = local_help.new_place_record(place)
    assert record.values["walk_in"] == hours.short(values["opening_hours"])
    assert local_help.READ_ON == "2026-12-05"


def test_structured_hours_are_the_reference_entries_own_hours() -> None:
    from bot.directory import DATA_DIR

    text = (DATA_DIR / "services.yml").read_text(encoding="utf-8")
    parsed = parse_directory_file(text, kind="yaml")
    reference = {r.values["id"]: r.values for r in parsed.services}
    for service_id, (opening, words) in local_help.STRUCTURED_HOURS.items():
        assert reference[service_id]["walk_in"] == words
        for ranges in opening.values():
            for start, until in ranges:
                assert start.replace(":", ".") in words and until.replace(":", ".") in words


async def test_the_demo_marks_what_it_touched_and_shows_it(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    async with open_database(db_url) as (_e, factory):
        summary = await local_help.seed(factory, if_empty=True)
        assert "1 walk-in place" in summary and "5 demo checks" in summary
        assert "nothing seeded" in await local_help.seed(factory, if_empty=True)
        async with factory() as s:
            demo = {
                r.id: r
                for r in (
                    await s.scalars(select(HelpService).where(HelpService.demo.is_(True)))
                ).all()
            }
            others = (await s.scalars(select(HelpService).where(HelpService.demo.is_(False)))).all()
    assert set(demo) == set(local_help.DEMO_CHECKS) | set(local_help.STRUCTURED_HOURS)
    assert not any(r.verified for r in others)  # nothing outside the demo is "checked"
    for service_id, days in local_help.DEMO_CHECKS.items():
        row = demo[service_id]
        assert row.verified and row.checked_by == local_help.DEMO_CHECKER
        assert row.last_checked == date.today() - timedelta(days=days)
    almelo = demo["almelo_sociaal_inloop"]
    assert almelo.walk_in_place and almelo.opening_hours and almelo.address

    await login_as(dashboard, ANALYST_A)
    listing = await (await dashboard.get("/dashboard/lokale-hulp")).text()
    assert "Langer dan 180 dagen niet gecontroleerd: 2" in listing  # SchuldHulpMaatje (200) and GKB
    assert listing.count("demo-gegevens") >= 2
    overview = await (await dashboard.get("/dashboard/")).text()
    assert "Lokale hulp Groningen: 2 van 3 langer dan 180 dagen niet gecontroleerd." in overview

    page = await (await dashboard.get("/hulp/almelo")).text()
    walk_ins = page.split('id="s-walk-in"', 1)[1].split("</section>", 1)[0]
    assert "Inloopspreekuur Almelo Sociaal" in walk_ins and "ma, di, vr 09.30-11.30" in walk_ins
    assert "gecontroleerd op " + (date.today() - timedelta(days=7)).strftime("%d-%m-%Y") in walk_ins
    assert "demo-gegevens" in walk_ins
    assert "Dit is een demo. De controles op deze pagina zijn niet echt gedaan." in page
    delft = await (await dashboard.get("/hulp/delft")).text()
    assert "wo 14.00-16.00, Van Bleyswijckstraat 91, Delft" in delft
