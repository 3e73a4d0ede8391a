"""Directory import, export/import round trip, rejection of bad files, and help search."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.directory import repository
from bot.directory.files import (
    DirectoryFileError,
    dump_csv,
    dump_yaml,
    parse_directory_file,
)
from bot.directory.tables import HelpService, Municipality, PostcodeArea


async def counts(factory) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    async with factory() as s:
        return (
            await s.scalar(select(func.count()).select_from(Municipality)),
            await s.scalar(select(func.count()).select_from(PostcodeArea)),
            await s.scalar(select(func.count()).select_from(HelpService)),
        )


async def test_reference_import_is_complete_and_idempotent(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    first = await counts(factory)
    assert (
        first[0] == 342 + 14
    )  # current municipalities + merged ones (Langedijk->Schagen is no merger)
    assert first[1] == 4072
    async with factory() as s:
        await repository.import_reference(s)
        await s.commit()
    assert await counts(factory) == first
    async with factory() as s:
        services = (await s.scalars(select(HelpService))).all()
    assert services and not any(x.verified for x in services)  # nothing is verified yet
    assert all(x.example for x in services if x.scope != "national")


async def test_export_import_round_trip_without_loss(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        before = await repository.services_of(s, "GM1952")
        codes = await repository.known_codes(s)
    assert len(before) >= 2
    for kind, text in (("yaml", dump_yaml("GM1952", before)), ("csv", dump_csv(before))):
        parsed = parse_directory_file(text, kind=kind, known_codes=codes, municipality="GM1952")
        async with factory() as s:
            await repository.apply_file(s, parsed)
            await s.commit()
            after = await repository.services_of(s, "GM1952")
        assert after == before, kind


async def test_municipality_edits_apply_and_dropped_entries_go(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        services = await repository.services_of(s, "GM1952")
        codes = await repository.known_codes(s)
    edited = [dict(x) for x in services if x["id"] == "hoogezand_leger_des_heils_inloop"]
    edited[0].update(verified=True, last_checked=date(2026, 11, 1), phone="050-1234567")
    parsed = parse_directory_file(
        dump_yaml("GM1952", edited), kind="yaml", known_codes=codes, municipality="GM1952"
    )
    async with factory() as s:
        summary = await repository.apply_file(s, parsed)
        await s.commit()
        after = {x["id"]: x for x in await repository.services_of(s, "GM1952")}
    assert summary.removed == 1  # the vroegsignalering entry was left out of the file
    assert set(after) == {"hoogezand_leger_des_heils_inloop"}
    assert after["hoogezand_leger_des_heils_inloop"]["verified"] is True


BAD_YAML = """format: geldhulp-directory/1
municipality: GM0014
services:
  - id: ok_entry
    name: Goede hulp
    description: Helpt je.
    categories: [debt_help]
    scope: municipality
    municipalities: [GM0014]
    phone: 050-1234567
  - id: Bad Id
    name: Kapot
    description: Dit is een zin die veel te lang is omdat hij maar doorgaat en doorgaat en niet stopt met woorden en nog meer woorden toevoegt.
    categories: [schulden]
    scope: gemeente
    municipalities: [GM9999]
    phone: bel ons
    website: www.example.nl
    verified: true
    wrong_field: x
"""


async def test_a_malformed_file_is_rejected_whole_with_clear_errors(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        codes = await repository.known_codes(s)
        before = await repository.services_of(s, "GM0014")
    with pytest.raises(DirectoryFileError) as info:
        parse_directory_file(BAD_YAML, kind="yaml", known_codes=codes, municipality="GM0014")
    problems = info.value.problems
    fields = {p.field for p in problems}
    assert {
        "id",
        "description",
        "categories",
        "scope",
        "municipalities",
        "phone",
        "website",
        "last_checked",
        "wrong_field",
    } <= fields
    assert all(p.line == 11 for p in problems)  # every problem names the line of the bad entry
    assert "regel 11" in str(info.value)
    async with factory() as s:  # nothing changed, not even the good entry
        assert await repository.services_of(s, "GM0014") == before
        assert await s.get(HelpService, "ok_entry") is None


@pytest.mark.parametrize("text", ["services: [", "just text", "services:\n  - 12\n"])
def test_broken_yaml_is_a_clear_error(text: str) -> None:
    with pytest.raises(DirectoryFileError):
        parse_directory_file(text, kind="yaml", known_codes={"GM0014"}, municipality="GM0014")


def test_csv_errors_name_the_row() -> None:
    text = "id,name,description,categories,scope,municipalities\nx1,Naam,Tekst.,debt_help,municipality,GM0014\nx2,,Tekst.,debt_help,municipality,GM0014\n"
    with pytest.raises(DirectoryFileError) as info:
        parse_directory_file(text, kind="csv", known_codes={"GM0014"}, municipality="GM0014")
    assert [(p.line, p.field) for p in info.value.problems] == [(3, "name")]


def test_a_municipality_cannot_edit_another_municipality() -> None:
    text = dump_yaml(
        "GM0014",
        [
            {
                "id": "x",
                "name": "X",
                "description": "Helpt.",
                "categories": ["debt_help"],
                "scope": "municipality",
                "municipalities": ["GM0363"],
                "phone": "020-1234567",
            }
        ],
    )
    with pytest.raises(DirectoryFileError):
        parse_directory_file(
            text, kind="yaml", known_codes={"GM0014", "GM0363"}, municipality="GM0014"
        )


async def test_find_help_local_then_regional_then_national(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        options = await repository.find_help(
            s, "GM0114", ["budgeting_admin"], today=date(2026, 11, 22)
        )
    scopes = [o.service.scope for o in options]
    assert scopes == sorted(
        scopes, key=lambda x: {"municipality": 0, "regional": 1, "national": 2}[x]
    )
    ids = [o.service.id for o in options]
    assert ids[0] == "emmen_leger_des_heils"
    # no phone, address, chat or page, and no general number of Emmen in the data: not offered
    assert "emmen_humanitas_thuisadministratie" not in ids
    assert "geldfit" in ids
    assert "groningen_kredietbank" not in ids  # another municipality's help
    assert not any(o.checked for o in options)  # unverified: shown with "check before you go"


async def test_find_help_leaves_out_expired_entries(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        service = await s.get(HelpService, "emmen_leger_des_heils")
        service.expires = date(2025, 1, 1)
        await s.commit()
        options = await repository.find_help(
            s, "GM0114", ["food_basic_needs"], today=date(2026, 11, 22)
        )
    assert "emmen_leger_des_heils" not in [o.service.id for o in options]


async def test_no_municipality_means_national_help_only(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        options = await repository.find_help(s, None, ["debt_help"], today=date(2026, 11, 22))
    assert options and {o.service.scope for o in options} == {"national"}
    assert options[0].service.id == "geldfit"


async def test_an_entry_without_a_next_step_is_offered_only_with_the_general_number(
    directory_db,
) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        den_haag = await repository.find_help(s, "GM0518", ["debt_help"], today=date(2026, 12, 2))
        helpdesk = next(o for o in den_haag if o.service.id == "denhaag_helpdesk_geldzaken")
        assert helpdesk.municipality_phone == "14070" and helpdesk.tier == "municipality"
        emmen = await s.get(Municipality, "GM0114")
        assert emmen is not None and emmen.phone is None
        emmen.phone = "14 0591"  # as a municipality would record it, with its source
        await s.commit()
        options = await repository.find_help(
            s, "GM0114", ["budgeting_admin"], today=date(2026, 12, 2)
        )
    humanitas = next(o for o in options if o.service.id == "emmen_humanitas_thuisadministratie")
    assert humanitas.municipality_phone == "14 0591"


async def test_professionals_only_entries_are_never_offered(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        sterk = await s.get(HelpService, "sterk_uit_armoede")
        assert sterk is not None and sterk.purpose == "professionals"
        options = await repository.find_help(
            s, "GM1952", ["work_future", "debt_help", "income_support"], today=date(2026, 12, 2)
        )
    assert "sterk_uit_armoede" not in {o.service.id for o in options}


async def test_a_check_made_on_the_dashboard_survives_a_reference_import(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    async with factory() as s:
        await repository.mark_checked(s, "geldfit", person="Analist A", today=date(2026, 12, 2))
        await s.commit()
        await repository.import_reference(s)
        await s.commit()
        geldfit = await s.get(HelpService, "geldfit")
    assert geldfit is not None and geldfit.verified and geldfit.checked_by == "Analist A"
    assert geldfit.last_checked == date(2026, 12, 2)
