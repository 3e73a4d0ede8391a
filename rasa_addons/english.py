"""Is a message written in English? A small, offline word-list test (no downloads, stdlib only).

Counts English function words against Dutch ones. Words that both languages use ("is", "in",
"me", "we", "help", "please", "job") count for neither, so Dutch with a few English words
("ik heb debts", "ja please") stays Dutch. Used by `rasa_addons.language_guard` inside Rasa and
measured by `make bench-nlu` (English detected, Dutch taken for English).
"""

from __future__ import annotations

import re

_ENGLISH = """
    the and or but are were am be being i i'm im i've ive i'd my mine you you're your yours
    our ours they their them she his it it's its this that these those what how why where
    when who which can could would should will shall do does did don't dont can't cant
    cannot doesn't doesnt didn't didnt won't wont isn't aren't have having not with for to
    from at about there any anyone anybody someone somebody something get got need because
    if so just really very here now today tomorrow too also only still again after before
    since until than then into out some many much more speak understand english dutch know
    talk tell read write
"""
_DUTCH = """
    ik jij jou jouw u uw mijn m'n mn je de het een en niet geen wat hoe waar wanneer wie
    waarom kan kun kunt kunnen wil wilt willen heb hebt heeft hebben ben bent zijn van met
    voor op naar bij aan uit om dat die dit deze er maar nog ook wel dan als of te tot al
    moet moeten mag mogen ga gaat gaan doe doet krijg krijgt graag even zo nu hier mij wij
    ons onze ze zij hun hij haar wordt worden word kom komt iets niks niets alles iemand
    geld schulden schuld huur brief hulp helpen betalen betaald nee ja
"""
ENGLISH_WORDS = frozenset(_ENGLISH.split())
DUTCH_WORDS = frozenset(_DUTCH.split())
WORD = re.compile(r"[a-z']+")
MIN_ENGLISH_WORDS = 2


def counts(text: str) -> tuple[int, int]:
    """(English function words, Dutch function words) in ``text``."""
    tokens = WORD.findall(text.lower().replace("’", "'"))
    english = sum(1 for t in tokens if t in ENGLISH_WORDS)
    dutch = sum(1 for t in tokens if t in DUTCH_WORDS)
    return english, dutch


def is_english(text: str | None) -> bool:
    """True when ``text`` is clearly English: enough English words and (almost) no Dutch ones."""
    if not text or text.startswith("/"):
        return False
    english, dutch = counts(text)
    return english >= MIN_ENGLISH_WORDS and english >= 2 * (dutch + 1)
