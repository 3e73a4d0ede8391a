"""Redacted keywords of a question, for questions asked by fewer than five residents.

Issue 11: such a question is shown only as its topic and keywords, never verbatim. Keywords
are the content words of the (already redacted) text: no stop words, no digits, placeholders
such as ``[naam]`` kept as they are, sorted by how often they occur in the group and then
alphabetically, so that the sentence cannot be read back in its own word order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

MAX_KEYWORDS = 6
MIN_RESIDENTS = 5
_TOKEN = re.compile(r"\[[^\[\]]{1,30}\]|<[^<>]{1,30}>|[^\W\d_]{3,}", re.UNICODE)
_STOP_TEXT = """
aan al alle alles als altijd ander andere ben bij dan dat de der deze die dit doe doen door
dus een eens elke en er ergens had heb hebben heeft hem hen het hier hij hoe hun iemand
iets ik in is ja je jij jou jouw juist kan kon kun kunnen maar me mee men met mij mijn
moet moeten mogen na naar nee nog nou nu of om omdat ons onze ook op over per
reeds sinds tot toch toen u uit uw van veel voor waar wanneer want waren was wat we wel
welk welke werd wie wij wil wilt word worden wordt zal ze zei zelf zich zij zijn zo zonder
zou zouden graag echt even heel weer krijg krijgen gaat gaan ga weet weten zit zitten
the and you what how can
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def words(text: str) -> list[str]:
    """The content words of ``text`` in order (lower case, placeholders kept)."""
    found = []
    for token in _TOKEN.findall(text):
        lowered = token if token[0] in "[<" else token.lower()
        if lowered not in STOP_WORDS:
            found.append(lowered)
    return found


def keywords(texts: Iterable[str], limit: int = MAX_KEYWORDS) -> list[str]:
    """The most frequent content words of ``texts`` (each counted once per text), then the
    placeholders of removed personal data (they tell what was there, not who)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(words(text)))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    content = [word for word, _ in ranked if word[0] not in "[<"][:limit]
    return content + sorted(word for word, _ in ranked if word[0] in "[<")


def residents(refs: Iterable[str | None]) -> int:
    """How many different residents asked, counted low: questions without a conversation
    pseudonym count together as one resident (they might all be the same person)."""
    known = set()
    unknown = False
    for ref in refs:
        if ref:
            known.add(ref)
        else:
            unknown = True
    return len(known) + (1 if unknown else 0)


def may_show_verbatim(refs: Iterable[str | None]) -> bool:
    """True when at least five different residents asked this (similar) question."""
    return residents(refs) >= MIN_RESIDENTS
