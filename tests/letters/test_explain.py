"""The explanation in B1: four parts, "Klopt dit?", a person first for urgent letters, and
never a figure the letter did not give."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from bot.letters.errors import BrokenFile, FileTooLarge, PdfTooLarge, UnsupportedFile
from bot.letters.explain import after_confirmation, error_reply, explain
from bot.letters.kinds import KINDS, SENDER_KINDS
from bot.letters.reading import LetterReading
from bot.texts import TextCatalog

TEXTS = TextCatalog.load()
BASE = LetterReading(
    kind="aanmaning",
    sender_kind="energiebedrijf",
    sender_name="Energie Noord B.V.",
    amount_due=Decimal("1248.37"),
    deadline=date(2025, 3, 17),
    deadline_computed=False,
    event_date=None,
    urgent=False,
    iban="NL91ABNA0417164300",
    reference=None,
    reference_checked=False,
    has_bsn=False,
    letter_date=date(2025, 3, 3),
    confidence=0.9,
    text="x" * 200,
)


def test_four_parts_and_the_question() -> None:
    [message] = explain(BASE, TEXTS)
    for part in ("Van wie:", "Wat staat erin:", "Wat kun je doen:", "Voor wanneer:"):
        assert part in message.text
    assert message.text.rstrip().endswith("Klopt dit?")
    assert "Energie Noord B.V." in message.text
    assert "€ 1.248,37" in message.text and "17 maart 2025" in message.text
    assert [payload for _, payload in message.buttons] == ["/affirm", "/deny"]


def test_no_figure_that_the_letter_did_not_give() -> None:
    unknown = replace(BASE, amount_due=None, deadline=None, sender_name=None)
    [message] = explain(unknown, TEXTS)
    assert not re.search(r"\d", message.text), message.text
    assert "niet kunnen lezen" in message.text
    assert "niet gevonden" in message.text


def test_a_computed_deadline_says_so() -> None:
    [message] = explain(replace(BASE, deadline_computed=True), TEXTS)
    assert "uitgerekend" in message.text


@pytest.mark.parametrize("kind", ["dagvaarding", "beslag", "ontruiming", "afsluiting"])
def test_urgent_letters_say_first_that_a_person_can_help(kind: str) -> None:
    reading = replace(BASE, kind=kind, urgent=True, event_date=date(2025, 4, 2))
    first, summary = explain(reading, TEXTS)
    assert "schuldhulpverlener" in first.text
    assert "Klopt dit?" in summary.text
    assert "2 april 2025" in summary.text
    reply = after_confirmation(reading, True, TEXTS)
    assert "/ask_human" in [payload for _, payload in reply.buttons]


def test_low_confidence_asks_for_a_sharper_photo_or_a_person() -> None:
    [message] = explain(replace(BASE, confidence=0.3), TEXTS)
    assert "nieuwe foto" in message.text
    assert "/ask_human" in [payload for _, payload in message.buttons]
    assert "1.248" not in message.text


def test_a_wrong_reading_offers_a_new_photo_and_a_person() -> None:
    reply = after_confirmation(BASE, False, TEXTS)
    assert "nieuwe foto" in reply.text and reply.buttons


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_texts(kind: str) -> None:
    urgent = kind in {"dagvaarding", "beslag", "ontruiming", "afsluiting"}
    messages = explain(replace(BASE, kind=kind, urgent=urgent), TEXTS)
    assert messages[-1].text.rstrip().endswith("Klopt dit?")


@pytest.mark.parametrize("sender_kind", SENDER_KINDS)
def test_every_sender_kind_has_its_text(sender_kind: str) -> None:
    [message] = explain(replace(BASE, sender_kind=sender_kind), TEXTS)
    assert "Energie Noord B.V." in message.text


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (UnsupportedFile("x"), "niet openen"),
        (FileTooLarge("x"), "te groot"),
        (PdfTooLarge("x"), "te groot"),
        (BrokenFile("x"), "beschadigd"),
    ],
)
def test_errors_have_a_plain_text(error: Exception, words: str) -> None:
    assert words in error_reply(error, TEXTS).text  # type: ignore[arg-type]
