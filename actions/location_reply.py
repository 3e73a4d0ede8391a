"""What a reply to "in welke gemeente woon je?" is: a place, a reason to stay, or a step out.

Only what resolves to a place or a postcode (or could be a mistyped one) is taken as a place.
Question marks, a greeting or "ja" get a short explanation of why we ask (the form stays);
everything else steps out of the form kindly: a topic question, "laat maar", a goodbye or
signature, emoji, a plea, English, an old button.
"""

from __future__ import annotations

import re

PLACE = "place"
STAY = "stay"
STEP_OUT = "step_out"

# the form stays and explains why it asks
STAY_INTENTS = frozenset({"confused", "greet", "affirm", "more_options", "find_local_help"})
# the classifier was not sure what this is: the shape of the text decides
UNSURE_INTENTS = frozenset({None, "", "nlu_fallback", "out_of_scope"})

EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2190-\u21ff\u2b00-\u2bff]")
SAD_EMOJI = re.compile(
    "[\U0001f622\U0001f62d\U0001f61e\U0001f614\U0001f61f\U0001f625\U0001f629\U0001f62b\U0001f494\U0001f97a\u2639\U0001f641\U0001f630\U0001f613]"
)
SIGN_OFF = re.compile(
    r"\b(?:groet\w*|gr|grtjs|mvg|m\.v\.g|vriendelijke|hartelijke|liefs|kusjes|xx+|doei\w*|"
    r"dank\w*|bedankt|thanks|cheers)\b",
    re.IGNORECASE,
)
WORDS = re.compile(r"[^\W_]+")
MAX_PLACE_WORDS = 6
# a short place-like reply the classifier is not sure about is a place the resolver may not know
# ("Parijs", "Zuidbroek"): it gets "die plaats ken ik niet", not a topic answer
SHORT_REPLY_WORDS = 3
SURE = 0.7
# what people say instead of a place ("laat maar", "doei", "ja"): trusted at any confidence
CONVERSATION_INTENTS = frozenset(
    {
        "deny",
        "cancel_handover",
        "goodbye",
        "thanks",
        "something_else",
        "next_step",
        "feeling",
        "confused",
        "choose_language",
        "switch_language",
        "stale_choice",
        "greet",
        "affirm",
        "forget_me",
        "crisis",
        "ask_human",
        "choose_counsellor",
        "choose_peer",
    }
)


def looks_like_place(text: str) -> bool:
    """Could ``text`` be a place name or postcode (perhaps mistyped)? Not emoji or a signature."""
    stripped = text.strip()
    if not stripped or EMOJI.search(stripped) or re.search(r"[?!]", stripped):
        return False
    if stripped[0] in "-~–—" or SIGN_OFF.search(stripped):
        return False
    words = WORDS.findall(stripped)
    return 0 < len(words) <= MAX_PLACE_WORDS


def is_sad(text: str) -> bool:
    """Only emoji and punctuation, at least one of them sad (crying, broken heart)."""
    stripped = text.strip()
    return bool(SAD_EMOJI.search(stripped)) and not WORDS.search(EMOJI.sub("", stripped))


def reply_kind(
    text: str, intent: str | None, has_entity: bool, resolves: bool, confidence: float = 1.0
) -> str:
    """Classify a reply to the location question.

    Args:
        text: what the resident sent.
        intent: the intent the NLU gave it.
        has_entity: the NLU found a municipality or postcode in it.
        resolves: the directory's resolver finds one or a few places for it.
        confidence: the NLU's confidence in ``intent``.

    Returns:
        `place` (validate it as a place), `stay` (explain, ask again) or `step_out`.
    """
    if has_entity:
        return PLACE
    if text.startswith("/"):
        return STAY if intent in STAY_INTENTS else STEP_OUT
    place_like = looks_like_place(text)
    if place_like and resolves:
        return PLACE
    if intent == "inform_location":
        return PLACE
    if intent in STAY_INTENTS:
        return STAY
    short = place_like and len(WORDS.findall(text)) <= SHORT_REPLY_WORDS
    unsure_topic = short and confidence < SURE and intent not in CONVERSATION_INTENTS
    if intent in UNSURE_INTENTS or unsure_topic:
        return PLACE if place_like else STEP_OUT
    return STEP_OUT
