"""Urgency flags from what the resident wrote: eviction, cut-off, bailiff, no food.

Tolerant Dutch patterns over the message text (lowercase, accents removed). A flag makes the
assistant offer a person right away; it never forces a handover.
"""

from __future__ import annotations

import re
import unicodedata

EVICTION = "eviction"
CUTOFF = "cutoff"
BAILIFF = "bailiff"
NO_FOOD = "no_food"

_PATTERNS: dict[str, re.Pattern[str]] = {
    EVICTION: re.compile(
        r"uitzet|uitgezet|uit\s+(?:mijn|m'?n|ons|het)\s+huis|ontruim|op\s+straat|dakloos|"
        r"huis\s+(?:kwijt|uit)|sloten\s+(?:vervang|veranderen)|eruit\s+(?:te\s+)?(?:gooien|zetten)"
    ),
    CUTOFF: re.compile(
        r"afsluit|afgesloten|sluit\w*\s+(?:\w+\s+){0,3}(?:gas|stroom|water|licht|energie)\s+af\b|dichtgedraaid|zonder\s+(?:stroom|gas|water|licht)|"
        r"geen\s+(?:stroom|gas|warm\s+water|licht)\s+(?:meer|in\s+huis)|stroom\s+(?:is\s+)?eraf|"
        r"meter\s+(?:af|eruit)"
    ),
    BAILIFF: re.compile(
        r"deurwa+r?der\w*\s+(?:\w+\s+){0,5}(?:deur|stoep|komt|langs|morgen|vandaag|ophalen|binnen)|"
        r"(?:deur|stoep)\s+(?:\w+\s+){0,2}deurwa+r?der|beslag|dwangbevel|spullen\s+(?:komen\s+)?halen"
    ),
    NO_FOOD: re.compile(
        r"geen\s+(?:eten|voedsel|boodschappen)|ni(?:ks|ets)\s+(?:meer\s+)?te\s+eten|honger|"
        r"koelkast\s+(?:is\s+)?leeg|niet\s+(?:meer\s+)?gegeten|geen\s+geld\s+(?:voor|om)\s+"
        r"(?:eten|boodschappen)|zonder\s+eten"
    ),
}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def detect_urgency(text: str | None) -> list[str]:
    """Return the urgency flags found in ``text``, in a fixed order."""
    if not text or text.startswith("/"):
        return []
    norm = _normalise(text)
    return [flag for flag, pattern in _PATTERNS.items() if pattern.search(norm)]
