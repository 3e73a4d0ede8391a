"""The text the safety rules read: lowercase, no accents, chat spelling and key-word typos fixed.

The word lists (chat spelling, key words whose typos are forgiven, figures of speech) are data in
``lexicon.yml``; this module holds only the steps. Standard library and PyYAML only: it runs in
Rasa (Python 3.10) and in the gateway (3.11).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON = Path(__file__).with_name("lexicon.yml")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
# Latin letters without a decomposition (Polish, Turkish, Nordic): their a-z form
_LATIN = str.maketrans(
    {"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe"}
)
# Arabic short vowels and other marks, and the stretching tatweel: not part of the word
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي"})
_LATIN_ACCENTS = re.compile("([a-z])[\u0300-\u036f]+")
_FOLD_APOSTROPHES = str.maketrans({"\u02bc": "'", "\u2019": "'", "\u2018": "'", "`": "'"})
_FOLD_PUNCTUATION = re.compile(r"[.!?;:,()\[\]{}\"/\\|\u2026\n\r\t*_+=<>~^\u060c\u061f\u061b-]+")
_CONTRACTIONS = (
    (re.compile(r"\bm'n\b"), "mijn"),
    (re.compile(r"\bz'n\b"), "zijn"),
    (re.compile(r"\bd'r\b"), "haar"),
    (re.compile(r"(?:^|(?<=\s))'t\b"), "het"),
    (re.compile(r"\bi'm\b"), "i am"),
    (re.compile(r"\bi've\b"), "i have"),
    (re.compile(r"\b(\w+)n't\b"), r"\1nt"),
)
_PUNCTUATION = re.compile(r"[.!?;:,()\[\]{}\"/\\|\u2026\n\r\t*_+=<>~^-]+")
_OTHER = re.compile(r"[^a-z0-9 .]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")
# a clause mark: patterns never reach across one
CLAUSE = " . "


@dataclass(frozen=True)
class Lexicon:
    """The word lists of ``lexicon.yml``."""

    token_map: dict[str, str]
    fuzzy_words: tuple[str, ...]
    compound_heads: tuple[str, ...]
    fragments: dict[str, tuple[str, ...]]
    idioms: tuple[str, ...]
    idiom_examples: tuple[str, ...]
    past_markers: tuple[str, ...] = ()
    past_now: tuple[str, ...] = ()
    past_resolved: tuple[str, ...] = ()
    past_lowers: tuple[tuple[str, str], ...] = ()  # (kind, tier it gets when told in the past)
    past_examples: tuple[str, ...] = ()
    now_examples: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """``lexicon.yml``, read once on first use."""
    data = yaml.safe_load(LEXICON.read_text(encoding="utf-8"))
    past = data.get("past_story") or {}
    return Lexicon(
        token_map={str(k): str(v) for k, v in data["token_map"].items()},
        fuzzy_words=tuple(str(w) for w in data["fuzzy_words"]),
        compound_heads=tuple(str(w) for w in data["compound_heads"]),
        fragments={str(k): tuple(str(p) for p in v) for k, v in data["fragments"].items()},
        idioms=tuple(str(p) for p in data["idioms"]["patterns"]),
        idiom_examples=tuple(str(t) for t in data["idioms"].get("examples") or ()),
        past_markers=tuple(str(p) for p in past.get("markers") or ()),
        past_now=tuple(str(p) for p in past.get("now") or ()),
        past_resolved=tuple(str(p) for p in past.get("resolved") or ()),
        past_lowers=tuple((str(k), str(v)) for k, v in (past.get("lowers") or {}).items()),
        past_examples=tuple(str(t) for t in (past.get("examples") or {}).get("past") or ()),
        now_examples=tuple(str(t) for t in (past.get("examples") or {}).get("now") or ()),
    )


def distance_at_most_one(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one edit (or one swap of neighbours)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


@lru_cache(maxsize=4096)
def correct(token: str) -> str:
    """The token, or the key word it is a typo of."""
    words = lexicon()
    mapped = words.token_map.get(token)
    if mapped is not None:
        return mapped
    if len(token) < 7 or token in words.fuzzy_words:
        return token
    for word in words.fuzzy_words:
        if distance_at_most_one(token, word):
            return word
    for head in words.compound_heads:  # "zelfmoortgedachten", "zelfmordpoging"
        if token.startswith(head):
            return token
        for size in (len(head), len(head) - 1, len(head) + 1):
            if len(token) > size + 2 and distance_at_most_one(token[:size], head):
                return head + token[size:]
    return token


def normalise(text: str) -> str:
    """Lowercase, no accents, chat spelling and typos of key words corrected.

    Punctuation becomes a clause mark ``" . "``, so patterns never reach across sentences.
    """
    text = (text or "").translate(_APOSTROPHES).translate(_LATIN)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    text = text.replace("'", "")
    text = re.sub(r"(?<=\d)[.,](?=\d)", "", text)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", "", text)
    text = text.replace("\u20ac", " euro ")
    text = _PUNCTUATION.sub(CLAUSE, text)
    text = _OTHER.sub(" ", text)
    text = _REPEATS.sub(r"\1\1", text)
    tokens = [correct(t) for t in text.split()]
    text = " ".join(tokens)
    text = re.sub(r"\b(?:me|mij) zelf\b", "mezelf", text)
    text = re.sub(r"\bzich zelf\b", "zichzelf", text)
    text = re.sub(r"\bzelf moord", "zelfmoord", text)
    text = re.sub(r"(?:\. )+", ". ", text)
    return text.strip(" .")


def fold(text: str) -> str:
    """Every script kept (Arabic, Cyrillic): lowercase, marks and punctuation folded.

    For rules in languages that a-z cannot hold. Arabic loses its short vowels and the
    stretching tatweel, and every alef is one alef; apostrophes are one apostrophe (Ukrainian
    writes it three ways). Punctuation becomes a clause mark, as in ``normalise``.
    """
    text = unicodedata.normalize("NFKD", (text or "").translate(_LATIN)).casefold()
    # accents off Latin letters only ("żyć" as people type it: "zyc"); Cyrillic keeps its marks
    text = _LATIN_ACCENTS.sub(r"\1", text)
    text = unicodedata.normalize("NFC", text)
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS).translate(_FOLD_APOSTROPHES)
    text = _FOLD_PUNCTUATION.sub(CLAUSE, text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"(?:\. )+", ". ", text)
    return text.strip(" .")
