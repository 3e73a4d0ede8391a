"""One entry through the dashboard's form rules: phone numbers, web addresses, opening hours,
walk-in with its address, the date a person checked it, and what the chat and page get back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.directory import entries, hours, repository, rules
from bot.directory.files import DirectoryFileError, dump_csv, dump_yaml, parse_directory_file
from bot.directory.phones import problem
from bot.directory.tables import HelpService

TODAY = date(2026, 12, 5)


def form(**changes: str) -> dict[str, str]:
    base = {
        "name": "Inloop geldvragen",
        "description": "Je kunt zonder afspraak langskomen met vragen over geld.",
        "phone": "050 367 1122",
        "website": "https://gemeente.example.nl/inloop-geld",
        "address": "Voorbeeldstraat 1, Groningen",
        "walk_in_place": "ja",
        "hours_ma_from": "9:30",
        "hours_ma_until": "11.30",
        "hours_vr_from": "09:30",
        "hours_vr_until": "11:30",
        "source": "https://gemeente.example.nl/inloop-geld",
        "source_date": "2026-11",
    }
    base.update(changes)
    return base


def read(
    data: dict[str, str], existing: HelpService | None = None, **kw: object
) -> entries.FormResult:
    return entries.read_form(
        data,
        list(kw.pop("categories", ["debt_help"])),  # type: ignore[call-overload]
        municipality="GM0014",
        existing=existing,
        new_service_id=None if existing else "inloop-geldvragen-gm0014",
        known_codes={"GM0014", "GM0034"},
        person="Analist Groningen",
        today=TODAY,
    )


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("0800-8115", True),
        ("14 020", True),
        ("0546 – 45 69 09", True),
        ("+31 20 123 4567", True),
        ("113", True),
        ("112", True),
        ("06-1234", False),
        ("bel-me-maar", False),
        ("+32 2 123 45 67", False),  # Belgian
        ("1234", False),
    ],
)
def test_phone_numbers_are_checked_with_libphonenumber(number: str, ok: bool) -> None:
    assert (problem(number) is None) is ok


def test_opening_hours_parse_write_and_group_days() -> None:
    parsed = hours.parse("ma 9:30-11:30; vr 09.30-11.30, 13:00-15:00; di 09:30-11:30")
    assert parsed == {
        "ma": [["09:30", "11:30"]],
        "di": [["09:30", "11:30"]],
        "vr": [["09:30", "11:30"], ["13:00", "15:00"]],
    }
    assert hours.parse(hours.as_line(parsed)) == parsed
    assert hours.short(parsed) == "ma, di 09.30-11.30; vr 09.30-11.30, 13.00-15.00"
    assert hours.parse({"wo": "14:00-16:00"}) == {"wo": [["14:00", "16:00"]]}
    for bad in (
        "maandag 9-12",
        "ma 12:00-09:00",
        "ma 25:00-26:00",
        "ma 09:00-10:00; ma 11:00-12:00",
    ):
        with pytest.raises(hours.HoursError):
            hours.parse(bad)


def test_a_good_form_gives_a_walk_in_place_with_its_hours() -> None:
    result = read(form())
    assert result.problems == {}
    values = result.values
    assert values is not None
    assert values["opening_hours"] == {"ma": [["09:30", "11:30"]], "vr": [["09:30", "11:30"]]}
    assert values["walk_in"] == "ma, vr 09.30-11.30" and values["walk_in_place"] is True
    assert values["scope"] == "municipality" and values["municipalities"] == ["GM0014"]
    assert values["verified"] is False and not result.checked


def test_every_problem_is_tied_to_its_field() -> None:
    result = read(
        form(
            phone="06-1234",
            website="gemeente punt nl",
            address="",
            hours_ma_until="",
            hours_vr_from="12:00",
            hours_vr_until="10:00",
            walk_in_place="misschien",
            checked="ja",
            checked_on=(TODAY + timedelta(days=1)).isoformat(),
        ),
        categories=["debt_help", "astrology"],
    )
    assert result.values is None
    assert set(result.problems) == {
        "phone",
        "website",
        "hours_ma",
        "hours_vr",
        "walk_in_place",
        "checked_on",
        "categories",
    }
    assert "toekomst" in result.problems["checked_on"][0]
    walk_in_without_address = read(form(address=""))
    assert "adres" in walk_in_without_address.problems["address"][0]
    no_kind = read(form(), categories=[])
    assert "onderwerp" in no_kind.problems["categories"][0]


def test_the_check_date_is_set_by_the_person_and_cleared_when_facts_change() -> None:
    checked = read(form(checked="ja", checked_on="2026-11-20"))
    assert checked.checked and checked.values is not None
    values = checked.values
    assert values["verified"] is True and values["last_checked"] == date(2026, 11, 20)
    assert values["checked_by"] == "Analist Groningen"
    stored = HelpService(**values)
    same = read(form(), existing=stored)
    assert same.values is not None and same.values["verified"] is True  # nothing changed
    assert same.values["last_checked"] == date(2026, 11, 20)
    moved = read(form(phone="0800-8115"), existing=stored)
    assert moved.check_cleared and moved.values is not None
    assert moved.values["verified"] is False and moved.values["last_checked"] is None
    again = read(form(phone="0800-8115", checked="ja", checked_on="2026-12-05"), existing=stored)
    assert again.values is not None and again.values["last_checked"] == TODAY


def test_a_walk_in_place_without_hours_is_shown_with_kijk_op_de_website() -> None:
    result = read(form(hours_ma_from="", hours_ma_until="", hours_vr_from="", hours_vr_until=""))
    assert result.values is not None
    service = HelpService(**result.values)
    assert rules.is_walk_in(service) and not rules.walk_in_hours_known(service)
    assert rules.next_steps(service) == [rules.PHONE, rules.WEBSITE]  # no walk-in step today
    [option] = repository.select_help([service], "GM0014", ["debt_help"], today=TODAY)
    assert option.walk_in and option.hours_unknown


def test_checked_on_is_given_to_the_chat_only_when_shown_as_a_fact() -> None:
    result = read(form(checked="ja", checked_on="2026-11-20"))
    assert result.values is not None
    fresh = HelpService(**result.values)
    [option] = repository.select_help([fresh], "GM0014", ["debt_help"], today=TODAY)
    assert option.checked and option.checked_on == date(2026, 11, 20) and not option.hours_unknown
    later = TODAY + timedelta(days=400)
    [old] = repository.select_help([fresh], "GM0014", ["debt_help"], today=later)
    assert not old.checked and old.checked_on is None


def test_overdue_uses_the_municipality_limit() -> None:
    service = HelpService(**read(form(checked="ja", checked_on="2026-05-01")).values)  # type: ignore[arg-type]
    assert rules.is_overdue(service, TODAY)  # 218 days > 180 (the default)
    assert not rules.is_overdue(service, TODAY, 365)
    assert rules.is_checked(service, TODAY)  # still a fact: the year rule is separate


def test_new_ids_are_readable_and_unique() -> None:
    assert (
        entries.new_id("Inloop Geldzaken (Zuid)", "GM0014", set()) == "inloop-geldzaken-zuid-gm0014"
    )
    taken = {"loket-gm0014", "loket-gm0014-2"}
    assert entries.new_id("Loket", "GM0014", taken) == "loket-gm0014-3"
    assert entries.new_id("Één €", "GM0014", set()) == "een-gm0014"


def test_files_carry_opening_hours_and_walk_in_both_ways() -> None:
    text = """format: geldhulp-directory/1
municipality: GM0014
services:
- id: inloop-test
  name: Inloop
  description: Zonder afspraak langs.
  categories: [debt_help]
  scope: municipality
  municipalities: [GM0014]
  address: Voorbeeldstraat 1, Groningen
  walk_in_place: ja
  opening_hours: {ma: "09:30-11:30", do: "13:00-15:00"}
"""
    parsed = parse_directory_file(text, kind="yaml", known_codes={"GM0014"}, municipality="GM0014")
    [record] = parsed.services
    assert record.values["walk_in"] == "ma 09.30-11.30; do 13.00-15.00"
    plain = {k: record.values[k] for k in record.values}
    for kind, dumped in (("yaml", dump_yaml("GM0014", [plain])), ("csv", dump_csv([plain]))):
        again = parse_directory_file(dumped, kind=kind, known_codes={"GM0014"})
        assert again.services[0].values == record.values, kind
    with pytest.raises(DirectoryFileError) as error:
        parse_directory_file(
            text.replace('"09:30-11:30"', '"11:30-09:30"'), kind="yaml", known_codes={"GM0014"}
        )
    assert "opening_hours" in str(error.value)


async def test_form_entries_are_stored_checked_and_limited_on_both_databases(directory_db) -> None:  # type: ignore[no-untyped-def]
    _url, factory = directory_db
    result = read(form(checked="ja", checked_on="2026-11-20"))
    assert result.values is not None
    async with factory() as s:
        await entries.save(s, result.values, owner="GM0014")
        await repository.set_check_limit(s, "GM0014", 10)
        await s.commit()
    async with factory() as s:
        stored = await s.get(HelpService, "inloop-geldvragen-gm0014")
        assert stored is not None and stored.owner == "GM0014"
        assert stored.opening_hours == {"ma": [["09:30", "11:30"]], "vr": [["09:30", "11:30"]]}
        assert await repository.check_limit(s, "GM0014") == 10
        assert await repository.check_limit(s, "GM0034") == rules.CHECK_LIMIT_DAYS
        statuses = {
            e.service.id: e for e in await repository.entry_statuses(s, "GM0014", today=TODAY)
        }
        assert statuses["inloop-geldvragen-gm0014"].overdue  # 15 days > 10
        options = await repository.find_help(
            s, "GM0014", ["debt_help"], today=TODAY, walk_in_first=True
        )
        assert options[0].service.id == "inloop-geldvragen-gm0014" and options[0].walk_in
        assert options[0].checked_on == date(2026, 11, 20)
        assert entries.may_remove(stored, "GM0014") and not entries.may_remove(stored, "GM0034")
        await entries.remove(s, stored.id)
        await s.commit()
        assert await s.get(HelpService, "inloop-geldvragen-gm0014") is None
