"""A crisis said in English, Arabic, Turkish, Polish or Ukrainian stays a crisis.

The shared safety rules (rasa_addons/safety_rules.py) read Dutch and some English; the classifier
alone never makes a message *certain*. These patterns, written by the team per language, make
the clearest ways to say "I want to die", "I want to hurt myself" and "someone hits me / I am in
danger" certain, with their kind, so the crisis answer comes first in the resident's language.
They are deliberately few and plain (recall for the clear cases; the safety layer's semantic
tier handles the soft ones). Stdlib only; compiled on first use.
"""

from __future__ import annotations

import re
from functools import lru_cache

SUICIDE, VIOLENCE = "suicide", "violence"

# (kind, pattern) per language; matched case-insensitively on the message text
PATTERNS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        # someone who says they will kill me: violence, before "kill me" below
        (
            VIOLENCE,
            r"\b(?:he|she|my (?:husband|wife|partner|boyfriend|girlfriend|ex|dad|father|brother))"
            r"(?: \w+){0,2} (?:will|'ll|is going to|gonna|wants to|threatens to) kill me\b",
        ),
        (SUICIDE, r"\bsuicid|\bkill (?:my ?self|me)\b|\bend (?:my|it) (?:life|all)\b"),
        (SUICIDE, r"\b(?:want|wanna|going|wish) (?:to )?die\b|\bdon'?t want to (?:live|be alive)"),
        (SUICIDE, r"\b(?:hurt|cut|harm)(?:ing)? my ?self\b|\bno (?:reason|point) (?:to|in) liv"),
        (VIOLENCE, r"\b(?:he|she|my (?:husband|wife|partner|boyfriend|ex)) (?:hits|beats|hurts)"),
        (VIOLENCE, r"\bi am (?:not safe|in danger)\b|\bthreaten(?:s|ed|ing)? to kill\b"),
    ),
    "tr": (
        (SUICIDE, r"intihar|kendimi öldür|kendimi oldur|canıma kıy|canima kiy"),
        (SUICIDE, r"ölmek istiyorum|olmek istiyorum|yaşamak istemiyorum|yasamak istemiyorum"),
        (SUICIDE, r"hayatıma son|hayatima son|kendime zarar"),
        (VIOLENCE, r"beni (?:dövüyor|dovuyor|döver|dover)|(?:kocam|karım|karim|eşim|esim) beni"),
        (VIOLENCE, r"beni öldürecek|beni oldurecek|güvende değilim|guvende degilim"),
    ),
    "pl": (
        (SUICIDE, r"samobój|samoboj|zabić się|zabic sie|odebrać sobie życie|odebrac sobie zycie"),
        (SUICIDE, r"chcę umrzeć|chce umrzec|nie chcę (?:już )?żyć|nie chce (?:juz )?zyc"),
        (SUICIDE, r"skończyć ze sobą|skonczyc ze soba|zrobić sobie krzywdę|zrobic sobie krzywde"),
        (VIOLENCE, r"(?:mąż|maz|partner|żona|zona) mnie (?:bije|uderza)|bije mnie"),
        (VIOLENCE, r"grozi mi śmiercią|grozi mi smiercia|nie jestem bezpieczn"),
    ),
    "uk": (
        (SUICIDE, r"самогуб|покінчити з собою|вбити себе|убити себе|накласти на себе руки"),
        (SUICIDE, r"хочу померти|не хочу (?:більше )?жити|не хочу жити"),
        (SUICIDE, r"зашкодити собі|порізати себе"),
        (VIOLENCE, r"(?:чоловік|партнер|дружина) (?:мене )?б'є|б’є мене|б'є мене"),
        (VIOLENCE, r"погрожує (?:мене )?вбити|я не в безпеці"),
    ),
    "ar": (
        (SUICIDE, r"انتحار|أنتحر|انتحر|أقتل نفسي|اقتل نفسي"),
        (SUICIDE, r"أريد أن أموت|اريد ان اموت|بدي موت|لا أريد أن أعيش|لا اريد ان اعيش"),
        (SUICIDE, r"أنهي حياتي|انهي حياتي|أؤذي نفسي|اؤذي نفسي"),
        (VIOLENCE, r"(?:زوجي|زوجتي|شريكي) (?:يضربني|تضربني)|يضربني"),
        (VIOLENCE, r"يهددني بالقتل|لست في أمان|لست بأمان"),
    ),
}


# a negation right before the match ("I don't want to die", "nie chcę umrzeć") is no crisis
NEGATION_BEFORE = re.compile(
    r"(?:\bdon'?t|\bdo not|\bnever|\bnot|\bnie|\bне|(?:^|\s)لا|(?:^|\s)لن|(?:^|\s)ما)\s+$"
)
NEGATION_WINDOW = 12

# a bill, a debt or the rent as the one who "kills" is a figure of speech ("this bill will kill
# me", "bu fatura beni öldürecek"): no crisis here; the safety layer still weighs the message
# (issue 17's labelling guide: figures of speech are not crisis)
FIGURE_BEFORE = re.compile(
    r"\b(?:bills?|debts?|rent|prices?|costs?|interest|payments?|fees?|loans?|mortgage"
    r"|fatura\w*|borç\w*|borc\w*|kira\w*|faiz\w*|masraf\w*|taksit\w*)\b[^.!?]*$"
)
FIGURE_WINDOW = 40
# only "... kills me" can be such a figure; "kill myself" never is, whatever came before
KILLS_ME = re.compile(r"\bkill me\b|beni öldür|beni oldur")
# a person in the same words makes it a threat again ("my husband will kill me if he sees it"),
# a wish makes it a death wish ("with these bills I wish someone would kill me")
PERSON_BEFORE = re.compile(
    r"\b(?:he|she|husband|wife|partner|boyfriend|girlfriend|ex|dad|father|brother|son"
    r"|kocam|karım|karim|eşim|esim|sevgilim|babam|abim|ağabeyim|agabeyim|oğlum|oglum"
    r"|wish|want|wanna|please|someone|somebody|anyone|would|just|keşke|keske|biri)\b"
)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    return tuple(
        (language, kind, re.compile(pattern, re.IGNORECASE))
        for language, rules in PATTERNS.items()
        for kind, pattern in rules
    )


# their letters cannot occur in Dutch: always screened. The Latin-letter languages only when the
# message is in that language, so a Dutch question ("is dit een suicide-lijn?") stays the safety
# rules' call (they keep general questions about suicide at the gentle tier).
ALWAYS = frozenset({"uk", "ar"})


def find_crisis(text: str | None, language: str = "") -> tuple[str, str] | None:
    """(language, kind) of the first crisis pattern ``text`` matches, or None.

    Args:
        text: the message.
        language: the message's language (rasa_addons.language_id); patterns of English,
            Turkish and Polish apply only when it is that language.
    """
    if not text:
        return None
    lowered = text.lower().replace("’", "'")
    for pattern_language, kind, pattern in _compiled():
        if pattern_language not in ALWAYS and pattern_language != language:
            continue
        for match in pattern.finditer(lowered):
            before = lowered[max(0, match.start() - NEGATION_WINDOW) : match.start()]
            if NEGATION_BEFORE.search(before):
                continue
            if not (KILLS_ME.search(match.group(0)) and _figure(lowered[: match.start()])):
                return pattern_language, kind
    return None


def _figure(before: str) -> bool:
    """Whether the words before a "kills me" name money as the one who does it (in the same
    sentence, a few words back): a figure of speech, not a threat."""
    window = before[-FIGURE_WINDOW:]
    return bool(FIGURE_BEFORE.search(window)) and not PERSON_BEFORE.search(window)
