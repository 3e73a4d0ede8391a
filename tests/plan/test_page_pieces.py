"""The plan page's numbers to tap and dates kept whole (bot.helppage.plan_views.pieces)."""

from __future__ import annotations

import pytest

from bot.helppage.plan_views import pieces


@pytest.mark.parametrize(
    ("text", "number", "href"),
    [
        ("Bel Schuldhulp. Nummer: 070-3537000", "070-3537000", "tel:0703537000"),
        ("Bel 06 12345678 als het niet lukt.", "06 12345678", "tel:0612345678"),
        ("Bel +31 20 1234567.", "+31 20 1234567", "tel:0201234567"),
        ("Gratis: 0800-8115, elke dag.", "0800-8115", "tel:08008115"),
        ("Bel de gemeente op 14070.", "14070", "tel:14070"),
    ],
)
def test_a_number_becomes_a_link_to_tap(text: str, number: str, href: str) -> None:
    parts = pieces(text)
    assert (number, href) in parts
    assert "".join(p for p, _ in parts) == text  # nothing lost, nothing added


def test_a_date_stays_whole_and_is_no_number() -> None:
    text = "Reageer op de brief voor 01-12-2026. Het gaat om 250,00 euro."
    parts = pieces(text)
    assert ("01-12-2026", "") in parts
    assert not [p for p, href in parts if href and href.startswith("tel:")]
    assert "".join(p for p, _ in parts) == text


def test_plain_text_is_one_piece() -> None:
    assert pieces("Schrijf op aan wie je geld moet.") == [
        ("Schrijf op aan wie je geld moet.", None)
    ]
