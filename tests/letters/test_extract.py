"""Extraction from the text of a letter: amounts, dates, deadlines, IBAN, BSN, references.

These run on plain text (no OCR), so every rule is tested quickly and exactly.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from bot.letters import amounts, dates, identifiers
from bot.letters.extract import extract
from bot.letters.layout import Line


def one_line(text: str) -> Line:
    return Line(text, 1.0, 0, 0.5, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Totaal € 1.248,37", [Decimal("1248.37")]),
        ("Te betalen: EUR 85,00", [Decimal("85.00")]),
        ("een bedrag van €1.000,- en €12,50", [Decimal("1000"), Decimal("12.50")]),
        ("1.248,37 euro", [Decimal("1248.37")]),
        ("€ 2 316,00", [Decimal("2316.00")]),
        ("Hoofdsom   412,50", [Decimal("412.50")]),
    ],
)
def test_amounts_in_dutch_notation(text: str, expected: list[Decimal]) -> None:
    assert [span.value for span in amounts.find_amounts(one_line(text))] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Postcode 3511 NS Utrecht, Postbus 1234",
        "IBAN NL91 ABNA 0417 1643 00",
        "Datum 03-03-2025 en 12.05.2025",
        "Klantnummer 40018832, rente 8,00%",
        "Telefoon 030 123 45 67",
    ],
)
def test_no_amounts_in_numbers_that_are_not_money(text: str) -> None:
    assert amounts.find_amounts(one_line(text)) == []


def test_the_total_wins_over_its_parts(lines) -> None:
    text = """Energie Noord B.V.
Datum: 3 maart 2025
Hoofdsom   € 1.000,00
Rente   € 48,37
Incassokosten   € 200,00
Totaal verschuldigd   € 1.248,37
Uw nieuwe termijnbedrag is € 175,00 per maand."""
    assert extract(lines(text)).amount_due == Decimal("1248.37")


def test_a_table_total_without_a_label_is_found_as_the_sum(lines) -> None:
    text = """Datum: 3 maart 2025
Voorschot februari   € 142,00
Voorschot maart   € 142,00
€ 284,00"""
    assert extract(lines(text)).amount_due == Decimal("284.00")


def test_a_threatened_higher_amount_is_not_the_amount_due(lines) -> None:
    text = """Datum: 22 mei 2025
Betaal het bedrag van € 189,99 vóór 12 juni 2025.
Betaalt u niet op tijd, dan wordt het te betalen bedrag € 229,99."""
    assert extract(lines(text)).amount_due == Decimal("189.99")


def test_no_amount_when_the_letter_gives_none(lines) -> None:
    text = "Gemeente Zwolle\nDatum: 2 juni 2025\nWij nodigen u uit voor een gesprek."
    assert extract(lines(text)).amount_due is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Utrecht, 3 maart 2025", date(2025, 3, 3)),
        ("op dinsdag 2 december 2025 om 10.00 uur", date(2025, 12, 2)),
        ("Datum: 03-03-2025", date(2025, 3, 3)),
        ("Dagtekening 3.3.2025", date(2025, 3, 3)),
        ("uiterlijk 5 mrt. 2026", date(2026, 3, 5)),
        ("2025-11-17", date(2025, 11, 17)),
    ],
)
def test_dates_in_their_many_forms(text: str, expected: date) -> None:
    assert [s.value for s in dates.find_dates(one_line(text))] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "3511 NS Utrecht",
        "IBAN NL91 ABNA 0417 1643 00",
        "€ 12,05",
        "31-02-2025",  # no such day
        "Klantnummer 1203.2025.11",
    ],
)
def test_no_dates_in_postcodes_ibans_amounts(text: str) -> None:
    assert dates.find_dates(one_line(text)) == []


def test_deadline_within_14_days_after_the_letter_date(lines) -> None:
    text = "Utrecht, 3 maart 2025\nBetaal binnen 14 dagen na dagtekening."
    reading = extract(lines(text))
    assert reading.letter_date == date(2025, 3, 3)
    assert reading.deadline == date(2025, 3, 17)
    assert reading.deadline_computed


def test_a_printed_deadline_beats_an_objection_period(lines) -> None:
    text = """Datum: 15 april 2025
Betaal het bedrag vóór 27 mei 2025.
Bent u het niet eens? Maak dan binnen 6 weken na de datum van deze brief bezwaar.
U kunt ook tot 27 juni 2025 in beroep gaan."""
    assert extract(lines(text)).deadline == date(2025, 5, 27)


def test_a_period_in_the_past_is_not_a_deadline(lines) -> None:
    text = "Datum: 21 januari 2026\nHet gaat om de premie van 1 oktober 2025 tot en met 31 december 2025."
    assert extract(lines(text)).deadline is None


def test_a_deadline_without_a_year_takes_the_letter_year(lines) -> None:
    text = "Datum: 2 december 2025\nBetaal uiterlijk 5 januari."
    assert extract(lines(text)).deadline == date(2026, 1, 5)


def test_event_date_of_a_summons_and_its_deadline(lines) -> None:
    text = """DAGVAARDING
Datum: 4 november 2025
U wordt opgeroepen te verschijnen op de zitting van de kantonrechter op dinsdag 2 december 2025 om 10.00 uur.
Wilt u de procedure voorkomen? Betaal dan uiterlijk 18 november 2025."""
    reading = extract(lines(text))
    assert reading.kind == "dagvaarding"
    assert reading.event_date == date(2025, 12, 2)
    assert reading.deadline == date(2025, 11, 18)
    assert reading.urgent


def test_a_summons_without_a_payment_date_is_due_at_the_session(lines) -> None:
    text = """Dagvaarding
Datum: 16 januari 2026
U wordt opgeroepen te verschijnen ter terechtzitting van de kantonrechter op vrijdag 13 februari 2026 om 09.30 uur."""
    reading = extract(lines(text))
    assert reading.deadline == reading.event_date == date(2026, 2, 13)


def test_iban_is_checked_and_ocr_slips_repaired() -> None:
    assert [s.value for s in identifiers.find_ibans(one_line("IBAN NL91 ABNA 0417 1643 00"))] == [
        "NL91ABNA0417164300"
    ]
    # O for 0 and l for 1 in the account digits, as OCR reads them
    assert [s.value for s in identifiers.find_ibans(one_line("NL91 ABNA O4l7 1643 00"))] == [
        "NL91ABNA0417164300"
    ]
    assert identifiers.find_ibans(one_line("IBAN NL92 ABNA 0417 1643 00")) == []  # wrong check


def test_an_iban_broken_over_two_lines(lines) -> None:
    text = "Datum: 3 maart 2025\nBetaal dit uiterlijk 13 november 2025 op NL88\nABNA 5156 5795 04."
    assert extract(lines(text)).iban == "NL88ABNA5156579504"


def test_bsn_is_masked_everywhere_and_only_has_bsn_remains(lines) -> None:
    text = """Belastingdienst/Toeslagen
Datum: 15 april 2025
Burgerservicenummer: 421840110
Uw BSN 4218.40.110 staat ook op de acceptgiro."""
    reading = extract(lines(text))
    assert reading.has_bsn
    assert "421840110" not in reading.text and "4218.40.110" not in reading.text
    assert "421840110" not in json.dumps(reading.to_json())
    assert identifiers.BSN_MASK in reading.text


def test_a_nine_digit_number_failing_the_11_proef_is_no_bsn(lines) -> None:
    reading = extract(lines("Datum: 3 maart 2025\nKlantnummer 123456789"))
    assert not reading.has_bsn
    assert "123456789" in reading.text


def test_an_unlabelled_valid_number_is_masked_but_not_called_a_bsn(lines) -> None:
    reading = extract(lines("Datum: 3 maart 2025\nDossier 421840110"))
    assert "421840110" not in reading.text
    assert not reading.has_bsn


def test_payment_references() -> None:
    assert identifiers.payment_reference_valid("5000000000000010") is False
    good = _with_check_digit("000123456789012")
    assert identifiers.payment_reference_valid(good)
    text = [
        Line(f"Betalingskenmerk: {good[:4]} {good[4:8]} {good[8:12]} {good[12:]}", 1.0, 0, 0.5, 0)
    ]
    assert identifiers.find_reference(text) == (good, True)
    rf = [Line("Kenmerk RF18 5390 0754 7034", 1.0, 0, 0.5, 0)]
    assert identifiers.find_reference(rf) == ("RF18539007547034", True)


def _with_check_digit(body: str) -> str:
    weights = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1]
    total = sum(int(d) * weights[i % 10] for i, d in enumerate(body[::-1]))
    check = {10: 1, 11: 0}.get(11 - total % 11, 11 - total % 11)
    return f"{check}{body}"


def test_json_has_exactly_the_agreed_keys(lines) -> None:
    reading = extract(lines("Energie Noord B.V.\nDatum: 3 maart 2025\nTotaal € 10,00"))
    assert list(reading.to_json()) == [
        "kind", "sender_kind", "sender_name", "amount_due", "deadline", "event_date",
        "urgent", "iban", "has_bsn", "letter_date", "confidence",
    ]  # fmt: skip
    assert reading.to_json()["amount_due"] == "10.00"


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("binnen 14 dagen na dagtekening", date(2025, 3, 17)),
        ("binnen twee weken na de datum van deze brief", date(2025, 3, 17)),
        ("binnen 1 week", date(2025, 3, 10)),
        ("binnen 5 werkdagen", date(2025, 3, 10)),
        ("binnen twee maanden", date(2025, 5, 3)),
    ],
)
def test_periods_counted_from_the_letter_date(lines, phrase: str, expected: date) -> None:
    reading = extract(lines(f"Utrecht, 3 maart 2025\nBetaal {phrase}."))
    assert reading.deadline == expected


def test_a_period_broken_over_two_lines(lines) -> None:
    text = "Datum: 19 maart 2025\nKlopt dit niet? Laat het ons binnen 4\nweken weten."
    assert extract(lines(text)).deadline == date(2025, 4, 16)


def test_a_date_broken_over_two_lines(lines) -> None:
    text = (
        "Datum: 28 januari 2026\nDe eerste termijn moet uiterlijk 28\nfebruari 2026 zijn betaald."
    )
    assert extract(lines(text)).deadline == date(2026, 2, 28)


def test_an_eviction_planned_for_a_date_is_the_event_not_the_deadline(lines) -> None:
    text = """AANZEGGING ONTRUIMING
Datum: 2 april 2025
De ontruiming van uw woning staat gepland voor 22 april 2025.
Betaal uiterlijk 15 april 2025 het volledige bedrag."""
    reading = extract(lines(text))
    assert reading.kind == "ontruiming"
    assert reading.event_date == date(2025, 4, 22)
    assert reading.deadline == date(2025, 4, 15)


def test_a_payment_term_in_days(lines) -> None:
    text = "Factuurdatum: 1 maart 2025\nDatum: 3 maart 2025\nBetaaltermijn: 14 dagen\nTe betalen € 50,00"
    assert extract(lines(text)).deadline == date(2025, 3, 17)


def test_a_benefit_reclaimed_by_another_body_is_not_bijstand(lines) -> None:
    text = (
        "Datum: 3 maart 2025\nU heeft te veel WW-uitkering ontvangen. U moet € 400,00 terugbetalen."
    )
    assert extract(lines(text)).kind != "terugvordering_bijstand"
