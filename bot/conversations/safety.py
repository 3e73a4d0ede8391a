"""The gateway's view of the safety layer: screen any resident message for a crisis.

The rules live in `rasa_addons/crisis_patterns.py` (standard library only), so that Rasa's
CrisisGuard and the gateway screen with the very same rules. The gateway screens every message
that does not go to the assistant (waiting for a person, with a person, closed, out of hours);
messages that go to the assistant are screened inside Rasa's NLU pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_addons.crisis_patterns import is_crisis

NONE, POSSIBLE, CERTAIN = "none", "possible", "certain"


@dataclass(frozen=True)
class Screening:
    """What the safety layer (and, when it answered, the NLU) found in one message.

    ``tier`` is none | possible | certain; ``kind`` names the crisis (e.g. "suicide",
    "violence") when known. ``intent``/``confidence`` come from Rasa's NLU parse when the
    caller had one (None when Rasa was not asked or not reachable).
    """

    tier: str = NONE
    kind: str | None = None
    intent: str | None = None
    confidence: float | None = None

    @property
    def crisis(self) -> bool:
        """True when the crisis answer must come first."""
        return self.tier == CERTAIN


def screen(text: str, *, intent: str | None = None, confidence: float | None = None) -> Screening:
    """Screen ``text`` with the shared rules; button payloads ("/…") are never a crisis."""
    if text.startswith("/") or not is_crisis(text):
        return Screening(NONE, None, intent, confidence)
    return Screening(CERTAIN, None, intent, confidence)
