"""The resolver against every municipality, alias, merger, postcode and common misspellings."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.directory import DATA_DIR
from bot.directory.resolver import AMBIGUOUS, FOUND, UNKNOWN, Resolver

RESOLVER = Resolver.from_csv(DATA_DIR)


def rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


MUNICIPALITIES = rows("municipalities.csv")
PLAIN = Counter(re.sub(r"\s*\([^)]*\)$", "", r["gemeentenaam"]).lower() for r in MUNICIPALITIES)


def wrong_code(row: dict[str, str]) -> str | None:
    """Why the official CBS name of ``row`` does not resolve to its code (None: it does)."""
    result = RESOLVER.resolve(row["gemeentenaam"])
    if result.status != FOUND:
        return f"{row['gemeentenaam']}: {result.status}, not {FOUND}"
    if result.place.code != row["gm_code"]:
        return f"{row['gemeentenaam']}: {result.place.code}, not {row['gm_code']}"
    return None


def test_every_cbs_name_resolves_to_its_code() -> None:
    """All municipalities in one test (cheap cases; every wrong one is reported)."""
    assert len(MUNICIPALITIES) > 300
    problems = [p for row in MUNICIPALITIES if (p := wrong_code(row))]
    assert not problems, "\n".join(problems)


def wrong_plain_name(row: dict[str, str]) -> str | None:
    """Why the name of ``row`` typed in lower case without its suffix does not resolve."""
    plain = re.sub(r"\s*\([^)]*\)$", "", row["gemeentenaam"]).lower()
    result = RESOLVER.resolve(plain)
    if PLAIN[plain] > 1:  # Bergen (L.) and Bergen (NH.): ask which one
        if result.status != AMBIGUOUS or row["gm_code"] not in {p.code for p in result.places}:
            return f"{plain}: {result.status}, not {AMBIGUOUS} with {row['gm_code']}"
    elif result.status != FOUND or result.place.code != row["gm_code"]:
        return f"{plain}: {result.status}, not {FOUND} {row['gm_code']}"
    return None


def test_every_name_typed_lowercase_without_suffix() -> None:
    problems = [p for row in MUNICIPALITIES if (p := wrong_plain_name(row))]
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_wrong_code() -> None:
    """Both checks above fail on a row whose code is not the name's."""
    row = {"gemeentenaam": "Emmen", "gm_code": "GM0014"}
    assert wrong_code(row) and wrong_plain_name(row)
    assert wrong_plain_name({"gemeentenaam": "Bergen (L.)", "gm_code": "GM0014"})


@pytest.mark.parametrize(
    "row", rows("municipality_changes_2021_2024.csv"), ids=lambda r: r["oude_gm_code"]
)
def test_every_merged_municipality_leads_to_its_successor(row: dict[str, str]) -> None:
    result = RESOLVER.resolve(row["oude_gemeentenaam"])
    if float(row["aandeel"]) < 0.5:  # Langedijk -> Schagen is a 1-address boundary move
        assert result.status == FOUND and result.place.code != row["nieuwe_gm_code"]
        return
    assert result.status == FOUND, row
    assert result.place.code == row["nieuwe_gm_code"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Den Haag", "GM0518"),
        ("den haag", "GM0518"),
        ("Den haag", "GM0518"),
        ("s-gravenhage", "GM0518"),
        ("'s-Gravenhage", "GM0518"),
        ("the hague", "GM0518"),
        ("Den Bosch", "GM0796"),
        ("Emmen drenthe", "GM0114"),
        ("ik woon in Emmen", "GM0114"),
        ("gemeente Súdwest-Fryslân", "GM1900"),
        ("sudwest fryslan", "GM1900"),
        ("Hengelo", "GM0164"),
        ("bergen limburg", "GM0893"),
        ("Bergen NH", "GM0373"),
        ("GM0014", "GM0014"),
    ],
)
def test_aliases(text: str, code: str) -> None:
    result = RESOLVER.resolve(text)
    assert result.status == FOUND, result
    assert result.place.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("groningn", "GM0014"),
        ("amsterdm", "GM0363"),
        ("rotterdm", "GM0599"),
        ("Apeldorn", "GM0200"),
        ("zoetermer", "GM0637"),
        ("Eindhovn", "GM0772"),
        ("nijmegn", "GM0268"),
        ("leeuwaarden", "GM0080"),
        ("Hoogeven", "GM0118"),
        ("Den haaag", "GM0518"),
        ("Utreht", "GM0344"),
        ("maastrict", "GM0935"),
    ],
)
def test_misspellings(text: str, code: str) -> None:
    result = RESOLVER.resolve(text)
    assert result.status == FOUND, (text, result)
    assert result.place.code == code


PC4 = rows("pc4_municipality.csv")


def test_every_pc4_resolves_to_its_main_municipality() -> None:
    wrong = []
    for row in PC4:
        result = RESOLVER.resolve(row["pc4"])
        codes = {p.code for p in result.places}
        split = int(row["aantal_gemeenten"]) > 1
        if row["gm_code"] not in codes or (result.status == FOUND) == split:
            wrong.append(row["pc4"])
    assert not wrong, wrong[:20]
    assert len(PC4) == 4072


@pytest.mark.parametrize("pc4", ["1261", "1271", "1724", "4062", "5091", "7011", "9423"])
def test_shared_pc4_asks_which(pc4: str) -> None:
    result = RESOLVER.resolve(f"{pc4} AB")
    assert result.status == AMBIGUOUS
    assert len(result.places) == 2
    assert result.postcode == f"{pc4} AB"


@pytest.mark.parametrize("text", ["1011AB", "1011 ab", "mijn postcode is 1011 AB", "1011"])
def test_postcode_forms(text: str) -> None:
    result = RESOLVER.resolve(text)
    assert result.status == FOUND and result.place.code == "GM0363"


@pytest.mark.parametrize(
    "text", ["", "   ", "xyz", "ik weet het niet", "Parijs", "9600", "0000", "12345"]
)
def test_unknown(text: str) -> None:
    assert RESOLVER.resolve(text).status == UNKNOWN


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_no_input_crashes_the_resolver(text: str) -> None:
    result = RESOLVER.resolve(text)
    assert result.status in {FOUND, AMBIGUOUS, UNKNOWN}
    assert (result.status == FOUND) == (len(result.places) == 1)
