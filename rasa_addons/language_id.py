"""Which language is a message written in, and is it clear enough to switch the conversation?

Offline: py3langid 0.4.0 (its model ships inside the wheel; pinned with its hash in
requirements-models.txt), restricted to the six languages Geldhulp answers in and the
look-alikes that must not be taken for one of them, plus letters only one candidate uses
(Ukrainian і ї є ґ, Turkish ı ğ ş, Polish ą ę ł ń ś ź ż; Arabic letters without the Persian
and Urdu ones). Chosen on the team's short messages: the table is in docs/languages.md.

A message of one or two words ("ja", "hoi", "ok", "help") is never clear: it never switches
the conversation's language. Nothing is loaded at import time; the identifier is made once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

DUTCH = "nl"
SUPPORTED = ("nl", "en", "ar", "tr", "pl", "uk")
# Arabic dialects count as Arabic (the texts are Modern Standard Arabic, which their readers read)
ALIASES = {"ary": "ar", "arz": "ar"}
# look-alikes: a message in one of these must not be taken for one of the six. Frisian and
# Afrikaans are no candidates on purpose: taken for Dutch, they get Dutch, which is right.
CANDIDATES = (
    *SUPPORTED,
    *ALIASES,
    "de",
    "fr",
    "es",
    "ru",
    "be",
    "bg",
    "da",
    "fa",
    "ur",
    "ku",
    "so",
    "am",
    "az",
)
MIN_WORDS = 3
MIN_CONFIDENCE = 0.6
WORD = re.compile(r"[^\W\d_]+")
UKRAINIAN_LETTERS = re.compile(r"[іїєґІЇЄҐ]")
RUSSIAN_LETTERS = re.compile(r"[ыэъёЫЭЪЁ]")
TURKISH_LETTERS = re.compile(r"[ığşİĞŞ]")
POLISH_LETTERS = re.compile(r"[ąęłńśźżĄĘŁŃŚŹŻ]")
PERSIAN_URDU_LETTERS = re.compile(r"[پچژگکیٹڈںےھ]")
# the letter that proves a language, when the identifier also chose it
PROOF = {"uk": UKRAINIAN_LETTERS, "tr": TURKISH_LETTERS, "pl": POLISH_LETTERS}


@dataclass(frozen=True)
class Detection:
    """The language of one message.

    Attributes:
        language: the message's language when the identifier is sure or its letters prove it,
            else "nl" ("ja", "hallo" and "oke" are Dutch too; "نعم" is Arabic).
        confidence: the identifier's probability for that language (0.0 when unknown).
        words: the number of words in the message.
        clear: True when the message is clear enough to switch the conversation's language.
        found: the identifier's own answer (may be a look-alike such as "ru" or "de").
    """

    language: str
    confidence: float
    words: int
    clear: bool
    found: str

    def as_dict(self) -> dict[str, Any]:
        """The parse's ``language_detection`` entry."""
        return {
            "language": self.language,
            "confidence": round(self.confidence, 3),
            "words": self.words,
            "clear": self.clear,
            "found": self.found,
        }


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CANDIDATES))
    return identifier


def prepare() -> None:
    """Read the identifier's model now (about half a second), not on a resident's first message."""
    _identifier()


def _script(text: str) -> str:
    """The main script of ``text``: "arabic", "cyrillic" or "latin" (by letter count)."""
    counts = {"arabic": 0, "cyrillic": 0, "latin": 0}
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        for script in counts:
            if name.startswith(script.upper()):
                counts[script] += 1
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else "latin"


def _letters_prove(language: str, text: str) -> bool:
    if language == "ar":
        return _script(text) == "arabic" and not PERSIAN_URDU_LETTERS.search(text)
    proof = PROOF.get(language)
    if proof is None or not proof.search(text):
        return False
    return not (language == "uk" and RUSSIAN_LETTERS.search(text))


def detect(text: str | None) -> Detection:
    """The language of ``text`` and whether it is clear enough to switch (see module doc)."""
    text = (text or "").strip()
    words = len(WORD.findall(text))
    if not text or text.startswith("/") or words == 0:
        return Detection(DUTCH, 0.0, words, False, "")
    found, confidence = _identifier().classify(text.lower())
    found = str(found)
    language = ALIASES.get(found, found)
    if language not in SUPPORTED:
        return Detection(DUTCH, 0.0, words, False, found)
    sure = float(confidence) >= MIN_CONFIDENCE or _letters_prove(language, text)
    return Detection(
        language if sure else DUTCH, float(confidence), words, words >= MIN_WORDS and sure, found
    )
