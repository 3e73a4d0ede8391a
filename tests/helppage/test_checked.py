"""The help page says when a person checked an entry, and what to do when a walk-in place has
no known hours (real HTTP on loopback, both databases)."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp.test_utils import TestClient

from bot.directory import entries, repository
from bot.storage.db import open_database

WALK_IN = {
    "name": "Inloop zonder bekende tijden",
    "description": "Je kunt zonder afspraak langskomen met vragen over geld.",
    "website": "https://gemeente.example.nl/inloop",
    "address": "Voorbeeldstraat 1, Emmen",
    "walk_in_place": "ja",
}


async def test_a_checked_entry_says_when_and_an_unchecked_one_says_not_yet(
    site: TestClient, directory_url: str
) -> None:
    before = await (await site.get("/hulp/delft")).text()
    block = before.split("Loket Geldzaken voor Elkaar", 1)[1].split('<li class="entry', 1)[0]
    assert "nog niet gecontroleerd" in block and "gecontroleerd op" not in block
    day = date.today() - timedelta(days=3)
    async with open_database(directory_url) as (_e, factory), factory() as session:
        await repository.mark_checked(session, "delft_loket_geldzaken", person="Analist", today=day)
        await session.commit()
    after = await (await site.get("/hulp/delft")).text()
    block = after.split("Loket Geldzaken voor Elkaar", 1)[1].split('<li class="entry', 1)[0]
    assert f"gecontroleerd op {day.strftime('%d-%m-%Y')}" in block
    assert "nog niet gecontroleerd" not in block
    assert "Analist" not in after  # who checked it is for the dashboard, not the public


async def test_a_walk_in_place_without_hours_points_to_the_website(
    site: TestClient, directory_url: str
) -> None:
    result = entries.read_form(
        WALK_IN,
        ["debt_help"],
        municipality="GM0114",
        existing=None,
        new_service_id="inloop-emmen-test",
        known_codes=None,
        person="Analist",
        today=date.today(),
    )
    assert result.values is not None, result.problems
    async with open_database(directory_url) as (_e, factory), factory() as session:
        await entries.save(session, result.values, owner="GM0114")
        await session.commit()
    page = await (await site.get("/hulp/emmen")).text()
    walk_ins = page.split('id="s-walk-in"', 1)[1].split("</section>", 1)[0]
    assert "Inloop zonder bekende tijden" in walk_ins
    assert "Voorbeeldstraat 1, Emmen (tijden staan op de website)" in walk_ins
