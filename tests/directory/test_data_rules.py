"""Every directory entry against the rules: a next step, its purpose and its facts from a source.

These read the reference files the directory imports (`bot/directory/data/`) and the sources
they name, and run the selection the chat and the public page use over every municipality.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from functools import cache

import pytest

from bot.directory import DATA_DIR, rules
from bot.directory.files import parse_directory_file
from bot.directory.repository import select_help
from bot.directory.tables import HelpService
from bot.topics import TOPIC_INTENTS
from bot.yamlfile import parse_yaml

TODAY = date(2026, 12, 2)
PROBLEM_TOPICS = [t for t in TOPIC_INTENTS if t not in ("privacy_trust", "ask_human", "crisis")]
NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# what a source says when an organisation is not there for a resident's own question
FOR_PROFESSIONALS = re.compile(
    r"geen hulplijn voor individuele|brancheorganisatie|particulieren kunnen niet zelfstandig|"
    r"aanvragen gaan alleen via een hulp",
    re.IGNORECASE,
)


@cache
def codes() -> dict[str, str]:
    with (DATA_DIR / "municipalities.csv").open(encoding="utf-8") as f:
        return {row["gm_code"]: row["gemeentenaam"] for row in csv.DictReader(f)}


@cache
def services() -> tuple[HelpService, ...]:
    text = (DATA_DIR / "services.yml").read_text(encoding="utf-8")
    parsed = parse_directory_file(text, kind="yaml", known_codes=set(codes()))
    return tuple(HelpService(**r.values) for r in parsed.services)


@cache
def numbers() -> dict[str, dict[str, str]]:
    data = parse_yaml((DATA_DIR / "municipal_numbers.yml").read_text(encoding="utf-8"))
    return {row["municipality"]: row for row in data["numbers"]}


@cache
def national() -> dict[str, dict]:  # type: ignore[type-arg]
    data = parse_yaml((DATA_DIR / "national_help.yaml").read_text(encoding="utf-8"))
    return {e["id"]: e for e in data["entries"]}


@cache
def facts_by_source() -> dict[str, list[str]]:
    """Every fact text of the reference data, by its source URL."""
    found: dict[str, list[str]] = {}
    for entry in national().values():
        for fact in entry.get("facts") or []:
            found.setdefault(fact["source"], []).append(fact["text"])
    local = parse_yaml((DATA_DIR / "local_examples.yaml").read_text(encoding="utf-8"))
    for region in local["regions"]:
        for item in region.get("items") or []:
            for fact in item.get("facts") or []:
                found.setdefault(fact["source"], []).append(fact["text"])
    return found


@cache
def checked_table() -> dict[str, list[tuple[str, str]]]:
    """SOURCES.md "Checked for the directory": entry -> [(quote, source URL)]."""
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("## Checked for the directory", 1)[1]
    rows: dict[str, list[tuple[str, str]]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[2].startswith("http"):
            rows.setdefault(cells[0], []).append((cells[1], cells[2]))
    return rows


def evidence(entry_id: str, source: str | None) -> str:
    """All source text that may back an entry's facts."""
    parts = list(facts_by_source().get(source or "", []))
    ref = national().get(entry_id) or {}
    parts += [f["text"] for f in ref.get("facts") or []] + [str(p) for p in ref.get("phone") or []]
    parts += [quote for quote, _url in checked_table().get(entry_id, [])]
    return "\n".join(parts)


def numbers_in(text: str | None) -> set[str]:
    return {n.replace(":", ".") for n in NUMBER.findall(text or "")}


SERVICE_IDS = [s.id for s in services()]


def by_id(service_id: str) -> HelpService:
    return next(s for s in services() if s.id == service_id)


def test_the_reference_data_has_the_concrete_routes() -> None:
    ids = set(SERVICE_IDS)
    assert {"voedselbank_in_de_buurt", "veilig_thuis", "juridisch_loket", "geldfit"} <= ids
    assert by_id("veilig_thuis").phone == "0800-2000"
    assert (
        by_id("juridisch_loket").phone == "0900-8020"
    )  # the paid number: the free one is unsourced
    assert rules.is_exact_page(by_id("voedselbank_in_de_buurt").website)


@pytest.mark.parametrize("service_id", SERVICE_IDS)
def test_every_entry_names_a_recorded_source_with_a_date(service_id: str) -> None:
    s = by_id(service_id)
    assert s.source and s.source_date, "source URL and source date"
    recorded = s.source in facts_by_source() or any(
        url == s.source for _q, url in checked_table().get(s.id, [])
    )
    assert recorded, f"{s.source} is neither in the reference facts nor in SOURCES.md"


@pytest.mark.parametrize("service_id", SERVICE_IDS)
def test_every_number_hour_address_and_amount_comes_from_a_source(service_id: str) -> None:
    s = by_id(service_id)
    backing = numbers_in(evidence(s.id, s.source))
    for field in ("phone", "address", "walk_in", "description"):
        shown = numbers_in(getattr(s, field))
        assert shown <= backing, f"{field}: {sorted(shown - backing)} not in the sources"


@pytest.mark.parametrize("code", sorted(numbers()))
def test_general_numbers_come_from_a_source_for_that_municipality(code: str) -> None:
    row = numbers()[code]
    assert code in codes()
    quotes = " ".join(q for q, url in checked_table()[f"gemeente:{code}"] if url == row["source"])
    assert str(row["phone"]) in quotes
    assert rules.is_exact_page(row["source"]) and row["source_date"]


def test_what_an_entry_is_for_comes_from_its_source() -> None:
    professional = {s.id for s in services() if s.purpose == rules.PROFESSIONALS}
    said_by_source = {
        entry_id
        for entry_id, entry in national().items()
        if FOR_PROFESSIONALS.search(
            " ".join([entry.get("what_it_does", "")] + [f["text"] for f in entry.get("facts", [])])
        )
        and entry_id in SERVICE_IDS
    }
    assert "sterk_uit_armoede" in said_by_source
    assert said_by_source <= professional
    text = (DATA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for service_id in professional:
        assert f"| {service_id} | professionals |" in text, "purpose recorded with its reason"
    # and never described as personal help
    assert "denk" not in by_id("sterk_uit_armoede").description.lower()


def options_everywhere(topics: list[str], *, walk_in_first: bool = False):  # type: ignore[no-untyped-def]
    for code in codes():
        phone = numbers().get(code, {}).get("phone")
        yield (
            code,
            select_help(
                services(),
                code,
                topics,
                today=TODAY,
                municipality_phone=str(phone) if phone else None,
                walk_in_first=walk_in_first,
            ),
        )


@pytest.mark.parametrize("topic", PROBLEM_TOPICS)
def test_every_offered_entry_has_a_next_step_and_is_personal_help(topic: str) -> None:
    for code, options in options_everywhere([topic]):
        assert options, f"{code} {topic}: nothing offered"
        for o in options:
            s = o.service
            assert rules.is_personal_help(s), f"{s.id} is for professionals"
            assert rules.has_next_step(s) or o.municipality_phone, f"{code}: {s.id} has no step"
            if o.municipality_phone:
                assert s.scope != "national" and o.municipality_phone == numbers()[code]["phone"]
            assert o.checked == rules.is_checked(s, TODAY)
            assert not o.checked, "nothing in the reference data is verified live"


@pytest.mark.parametrize(
    ("topic", "route"),
    [
        ("food_basic_needs", "voedselbank_in_de_buurt"),
        ("energy_water", "geldfit"),
        ("rent_housing", "geldfit"),
        ("rent_housing", "juridisch_loket"),
        ("debt_collector", "juridisch_loket"),
        ("crisis", "veilig_thuis"),
        ("crisis", "zelfmoordpreventie_113"),
    ],
)
def test_food_energy_rent_and_crisis_have_a_concrete_route_in_every_municipality(
    topic: str, route: str
) -> None:
    for code, options in options_everywhere([topic]):
        ids = [o.service.id for o in options]
        assert route in ids, f"{code}: no {route} for {topic}"
        assert rules.has_next_step(by_id(route))


def test_an_entry_without_a_next_step_is_shown_only_with_the_general_number() -> None:
    helpdesk = by_id("denhaag_helpdesk_geldzaken")
    assert not rules.has_next_step(helpdesk)
    den_haag = dict(options_everywhere(["debt_help"]))["GM0518"]
    shown = next(o for o in den_haag if o.service.id == helpdesk.id)
    assert shown.municipality_phone == "14070"
    meppel = dict(options_everywhere(["debt_help"]))["GM0119"]
    assert "meppel_consulent_geldzorgen" not in {o.service.id for o in meppel}  # no number known


def test_local_first_and_walk_in_first_when_asked() -> None:
    delft = dict(options_everywhere(["debt_help"]))["GM0503"]
    tiers = [o.tier for o in delft]
    assert tiers == sorted(tiers, key=["municipality", "regional", "national"].index)
    assert delft[0].service.id == "delft_loket_geldzaken" and delft[0].walk_in
    hoogezand = dict(options_everywhere(["payment_arrears"], walk_in_first=True))["GM1952"]
    assert hoogezand[0].walk_in and hoogezand[0].service.address


def test_the_rules_themselves() -> None:
    assert rules.is_exact_page("https://www.nibud.nl/nieuws/x/")
    assert not rules.is_exact_page("https://www.nibud.nl/") and not rules.is_exact_page(None)
    walk_only = HelpService(walk_in="elke maandag", address=None, purpose="personal")
    assert not rules.has_next_step(walk_only)  # hours without an address are no way in
    stale = HelpService(verified=True, last_checked=date(2025, 12, 1), expires=None)
    fresh = HelpService(verified=True, last_checked=date(2026, 1, 1), expires=None)
    assert rules.is_stale(stale, TODAY) and not rules.is_checked(stale, TODAY)
    assert rules.is_checked(fresh, TODAY)
