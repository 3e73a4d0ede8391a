"""The answer to the question asked: a knowledge-base entry, the topic answer, or an honest "I
don't know exactly" (docs/knowledge.md).

The NLU component rasa_addons/knowledge_matcher.py puts ``knowledge`` (entry id, confidence,
topic) in every parse. ``choose_answer`` turns it into what ActionAnswerTopic says first; the
crisis line, urgency and the person offers that follow stay in actions/topics.py, unchanged.

Tiers (thresholds chosen on the numbers of scripts/bench_knowledge.py):
- ``entry``: knowledge confidence at least ``HIGH``, or at least ``MIDDLE`` with the entry
  ``CLEAR_LEAD`` times as likely as the next one and of the topic the intent understood (a
  clear best entry of the right topic: the probability is spread over 300 entries, so a sure
  match is often below ``HIGH``) → ``utter_kb_<id>``.
  Not when the message is clearly closer to its topic's general lines than to the entry's own
  examples (``GENERAL_MARGIN``) and the entry is not ``SURE_ENTRY``: "ik heb een brief van de
  deurwaarder gekregen" asks nothing specific, and the entry it comes nearest to ("a letter
  left with a housemate counts") would answer a question nobody asked.
- ``unsure``: knowledge confidence below ``MIDDLE`` and intent confidence below ``LOW_INTENT``
  → ``utter_kb_unsure`` ("Dat weet ik niet precies.") and the offer of a person.
- ``topic``: everything else → the topic answer, as before.

No answer is said twice word for word: a response already in the slot ``told`` becomes the
short ``utter_kb_repeat`` and the offer of a person. In a conversation that is not in Dutch, an
entry without a variant in that language gives way to the (translated) topic answer. A message
with a BSN, IBAN, name or address still gets its answer, with ``utter_kb_private_data`` once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

HIGH = 0.30
MIDDLE = 0.12
LOW_INTENT = 0.55
CLEAR_LEAD = 3.0  # the best entry at least this many times as likely as the second
# no entry when the message is this much closer (cosine) to its topic's general lines than to
# the entry's own examples (docs/knowledge.md, "A general message gets the topic answer")
GENERAL_MARGIN = 0.03
# ... unless the entry holds at least this much of the probability (more than all 299 others
# together): "wat is bewindvoering" is also one of the topic's general lines, and still asks
# the entry of that name
SURE_ENTRY = 0.5

ENTRY, TOPIC, UNSURE = "entry", "topic", "unsure"
UNSURE_RESPONSE = "utter_kb_unsure"
REPEAT_RESPONSE = "utter_kb_repeat"
PRIVATE_DATA_RESPONSE = "utter_kb_private_data"
DUTCH = "nl"
KB_PREFIX = "utter_kb_"  # every knowledge-base entry's response is KB_PREFIX + its id

_NINE_DIGITS = re.compile(r"(?<!\d)(\d[\s.]?){8}\d(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
_NAME = re.compile(r"\b(?:mijn naam is|ik heet|my name is|naam:)\s+[A-Za-zÀ-ÿ]{2,}", re.IGNORECASE)
_STREET = re.compile(
    r"\b[A-Za-zÀ-ÿ]{2,}(?:straat|laan|weg|plein|gracht|kade|singel|dijk|dreef|hof|pad|steeg|"
    r"markt|wal|veld|erf|baan|ring|allee|boulevard)\s+\d{1,4}\s?[a-zA-Z]?\b",
    re.IGNORECASE,
)
_POSTCODE_AND_NUMBER = re.compile(
    r"\b[1-9]\d{3}\s?[A-Z]{2}\b.{0,30}\b\d{1,4}\b|\b\d{1,4}\s*,?\s*[1-9]\d{3}\s?[A-Z]{2}\b"
)


def kb_response(entry: str) -> str:
    """The domain response of a knowledge-base entry."""
    return f"{KB_PREFIX}{entry}"


def shares_personal_data(text: str) -> bool:
    """True when the message holds a BSN (elfproef), an IBAN, a name said as such, or an address."""
    from stdnum import iban as std_iban  # the action server's env; imported late for the benches
    from stdnum.nl import bsn as std_bsn

    for match in _NINE_DIGITS.finditer(text):
        if std_bsn.is_valid(re.sub(r"\D", "", match.group(0))):
            return True
    for match in _IBAN.finditer(text):
        if std_iban.is_valid(match.group(0)):
            return True
    return bool(_NAME.search(text) or _STREET.search(text) or _POSTCODE_AND_NUMBER.search(text))


def choose_tier(intent: str | None, intent_confidence: float | None, knowledge: Any) -> str:
    """``entry``, ``topic`` or ``unsure`` for a topic message (see the module docstring)."""
    if not isinstance(knowledge, dict):
        return TOPIC  # a model without the matcher: the topic answer, as before
    confidence = float(knowledge.get("confidence") or 0.0)
    specific = bool(knowledge.get("id")) and not _asks_something_general(knowledge)
    if specific and confidence >= HIGH:
        return ENTRY
    if specific and confidence >= MIDDLE and knowledge.get("topic") == intent:
        ranking = knowledge.get("ranking") or []
        if len(ranking) > 1 and confidence >= CLEAR_LEAD * float(
            ranking[1].get("confidence") or 0.0
        ):
            return ENTRY
    if confidence < MIDDLE and float(intent_confidence or 0.0) < LOW_INTENT:
        return UNSURE
    return TOPIC


def _asks_something_general(knowledge: dict[str, Any]) -> bool:
    """True when the message is clearly nearer its topic's general lines than the entry's own."""
    general = knowledge.get("general_similarity")
    if general is None:  # a model without the general lines
        return False
    if float(knowledge.get("confidence") or 0.0) >= SURE_ENTRY:
        return False
    return float(knowledge.get("similarity") or 0.0) < float(general) - GENERAL_MARGIN


def sure_entry(entry: str, topic: str) -> dict[str, Any]:
    """A ``knowledge`` value that says ``entry`` (chosen with the conversation's context, e.g. a
    follow-up question: actions/follow_up.py)."""
    return {"id": entry, "confidence": 1.0, "topic": topic, "ranking": []}


def has_language_variant(domain: dict[str, Any], response: str, language: str | None) -> bool:
    """True when ``response`` can be said in ``language`` (Dutch is the default variant)."""
    if not language or language == DUTCH:
        return True
    for variant in (domain.get("responses") or {}).get(response) or []:
        for condition in variant.get("condition") or []:
            if condition.get("name") == "language" and condition.get("value") == language:
                return True
    return False


@dataclass
class Answer:
    """What to say first, and whether the person offer must follow."""

    responses: list[str]
    tier: str
    entry: str | None = None
    offer_person: bool = False
    told: list[str] = field(default_factory=list)  # what to add to the slot `told`


def choose_answer(
    *,
    topic_response: str,
    intent: str | None,
    intent_confidence: float | None,
    knowledge: Any,
    told: list[str],
    language: str | None,
    domain: dict[str, Any],
    text: str,
) -> Answer:
    """The responses that answer this topic message (before crisis line and offers)."""
    tier = choose_tier(intent, intent_confidence, knowledge)
    entry = (knowledge or {}).get("id") if isinstance(knowledge, dict) else None
    responses: list[str] = []
    added: list[str] = []
    offer = False
    if tier == ENTRY:
        response = kb_response(str(entry))
        known = response in (domain.get("responses") or {})
        if not known or not has_language_variant(domain, response, language):
            tier, response = TOPIC, topic_response
    else:
        response = topic_response
    if tier == UNSURE:
        responses.append(UNSURE_RESPONSE)
        offer = True
    elif response in told:
        responses.append(REPEAT_RESPONSE)
        offer = True
    else:
        responses.append(response)
        added.append(response)
    if text and PRIVATE_DATA_RESPONSE not in told and shares_personal_data(text):
        responses.append(PRIVATE_DATA_RESPONSE)
        added.append(PRIVATE_DATA_RESPONSE)
    return Answer(responses, tier, entry if tier == ENTRY else None, offer, added)
