"""The gateway's view of the safety layer: screen any resident message for a crisis.

The rules live in `rasa_addons/safety_rules.py` (standard library only), so that Rasa's
CrisisGuard and the gateway screen with the very same rules. The gateway screens every message
that does not go to the assistant (waiting for a person, with a person, closed, out of hours);
messages that go to the assistant are screened inside Rasa's NLU pipeline, whose parse carries
``"safety": {"tier", "kind"}``: pass it as ``safety`` and the stronger of the two counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rasa_addons.language_id import detect
from rasa_addons.safety_rules import (
    CERTAIN,
    CRISIS_INTENT,
    KINDS,
    NONE,
    POSSIBLE,
    TIERS,
    Assessment,
    stronger,
)
from rasa_addons.safety_rules import screen as screen_rules

__all__ = ["CERTAIN", "KINDS", "NONE", "POSSIBLE", "Screening", "clear_language", "screen"]


@dataclass(frozen=True)
class Screening:
    """What the safety layer (and, when it answered, the NLU) found in one message.

    ``tier`` is none | possible | certain; ``kind`` names the crisis (suicide, violence,
    loan_shark, homeless, no_food) when known. ``intent``/``confidence`` come from Rasa's NLU
    parse when the caller had one (None when Rasa was not asked or not reachable).
    """

    tier: str = NONE
    kind: str | None = None
    intent: str | None = None
    confidence: float | None = None

    @property
    def crisis(self) -> bool:
        """True when the crisis answer must come first."""
        return self.tier == CERTAIN

    @property
    def possible(self) -> bool:
        """True when the gentle 113/112 line belongs with the answer."""
        return self.tier == POSSIBLE


def _from_parse(safety: Mapping[str, Any] | None) -> Assessment:
    """Rasa's ``"safety"`` dict as an assessment (unknown values count as nothing found)."""
    if not isinstance(safety, Mapping):
        return Assessment()
    tier = safety.get("tier")
    kind = safety.get("kind")
    if tier not in TIERS:
        return Assessment()
    return Assessment(str(tier), kind if kind in KINDS else None, "rasa")


def screen(
    text: str,
    *,
    intent: str | None = None,
    confidence: float | None = None,
    safety: Mapping[str, Any] | None = None,
) -> Screening:
    """Screen ``text`` with the shared rules, Rasa's intent and Rasa's own screening.

    Args:
        text: the resident's message (a button payload "/..." is never a crisis).
        intent: Rasa's intent for this message, when the caller had a parse.
        confidence: that intent's confidence.
        safety: the ``"safety"`` dict of Rasa's parse, when there was one.

    Returns:
        The stronger of the rules' and Rasa's screening; with the intent and confidence given.
    """
    ranking = [(intent, float(confidence))] if intent and confidence is not None else []
    found = screen_rules(text or "", ranking)
    if intent == CRISIS_INTENT and confidence is not None and confidence >= 1.0:
        # Rasa's component only sets crisis with full confidence when it is certain
        found = stronger(found, Assessment(CERTAIN, None, "rasa"))
    found = stronger(found, _from_parse(safety))
    if (text or "").lstrip().startswith("/"):
        found = stronger(Assessment(), _from_parse(safety))
    return Screening(found.tier, found.kind, intent, confidence)


def clear_language(text: str) -> str | None:
    """The language of ``text`` when it is clear enough to answer in it (Rasa's language guard
    decides the same way), for a crisis answered while Rasa is away; None: Dutch or unsure."""
    found = detect(text)
    return found.language if found.clear and found.language != "nl" else None
