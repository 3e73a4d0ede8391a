"""What we read from one letter: the fields, a confidence per field and overall."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bot.letters.dates import iso

# the keys of `geldhulp letter read --json`, in this order, and nothing else
JSON_KEYS = (
    "kind", "sender_kind", "sender_name", "amount_due", "deadline", "event_date", "urgent",
    "iban", "has_bsn", "letter_date", "confidence",
)  # fmt: skip


@dataclass(frozen=True)
class LetterReading:
    """One letter, read. ``text`` has every BSN masked; it never leaves the process in logs."""

    kind: str
    sender_kind: str
    sender_name: str | None
    amount_due: Decimal | None
    deadline: date | None
    deadline_computed: bool
    event_date: date | None
    urgent: bool
    iban: str | None
    reference: str | None
    reference_checked: bool
    has_bsn: bool
    letter_date: date | None
    confidence: float
    field_confidence: dict[str, float] = field(default_factory=dict)
    text: str = ""
    engine: str = ""
    pages: int = 1

    @property
    def low_confidence(self) -> bool:
        """Too unsure to explain: ask for a sharper photo or offer a person."""
        return self.confidence < 0.5 or len(self.text) < 60

    def to_json(self) -> dict[str, Any]:
        """The CLI's JSON object: exactly ``JSON_KEYS``."""
        values = {
            "kind": self.kind,
            "sender_kind": self.sender_kind,
            "sender_name": self.sender_name,
            "amount_due": f"{self.amount_due:.2f}" if self.amount_due is not None else None,
            "deadline": iso(self.deadline),
            "event_date": iso(self.event_date),
            "urgent": self.urgent,
            "iban": self.iban,
            "has_bsn": self.has_bsn,
            "letter_date": iso(self.letter_date),
            "confidence": round(self.confidence, 2),
        }
        return {key: values[key] for key in JSON_KEYS}
