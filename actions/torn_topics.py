"""A message torn between two money topics: ask which one, with the two as buttons.

The FallbackClassifier falls back when the best intent is unsure or too close to the second
("ambiguity"). Often both are plausible money topics: "er ging meer uit dan er binnenkwam, zo
bouwden we een schuld op" is debt help or payment arrears. "Zeg het anders" is then a poor answer
for someone who already found it hard to write: a choice between the two, in the conversation's
language, is one tap (Rasa's two-stage fallback does the same). Only when the two best intents
are both money topics, together at least ``MIN_TOGETHER`` sure, each at least ``MIN_EACH``, and
the safety layer saw nothing in the message (a crisis is never answered with a question).

The tap on a topic then answers the question that was asked, not only the topic: the topic
answer uses that question's words and knowledge-base entry (``torn_question``).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.constants import FALLBACK_INTENT
from actions.language import response_variant
from bot.topics import MONEY_TOPICS

MIN_EACH = 0.15
MIN_TOGETHER = 0.4
# the short topic names, in every language, that the help page also shows (domain/helppage.yml)
LABEL_RESPONSE = "utter_helppage_topic_{topic}"
OTHER_CHOICE = "/something_else"
OTHER_LABEL_RESPONSE = "utter_fallback_which_other"


def torn_topics(parse: dict[str, Any]) -> tuple[str, str] | None:
    """The two money topics a fallen-back message is torn between, or None."""
    if ((parse.get("intent") or {}).get("name")) != FALLBACK_INTENT:
        return None
    safety = parse.get("safety")
    if isinstance(safety, dict) and safety.get("tier") not in (None, "none"):
        return None
    ranked = [
        r
        for r in parse.get("intent_ranking") or []
        if isinstance(r, dict) and r.get("name") != FALLBACK_INTENT
    ]
    if len(ranked) < 2:
        return None
    first, second = ranked[0], ranked[1]
    names = (str(first.get("name")), str(second.get("name")))
    scores = (float(first.get("confidence") or 0.0), float(second.get("confidence") or 0.0))
    if not all(name in MONEY_TOPICS for name in names):
        return None
    if min(scores) < MIN_EACH or sum(scores) < MIN_TOGETHER:
        return None
    return names


def topic_buttons(
    topics: tuple[str, str], domain: dict[str, Any], language: str
) -> list[dict[str, str]]:
    """A button per topic (its short name in ``language``) and one for something else."""
    buttons = []
    for topic in topics:
        label = str(
            response_variant(domain, LABEL_RESPONSE.format(topic=topic), language).get("text") or ""
        )
        if not label:
            return []  # a topic without a name on screen: no half-labelled choice
        buttons.append({"title": label, "payload": f"/{topic}"})
    other = str(response_variant(domain, OTHER_LABEL_RESPONSE, language).get("text") or "")
    if other:
        buttons.append({"title": other, "payload": OTHER_CHOICE})
    return buttons


def torn_question(tracker: Tracker) -> dict[str, Any] | None:
    """The parse of the question a topic button answers: when the latest message is the tap on
    one of the two topics offered for a torn question, that question's parse (its words, its
    knowledge-base entry, its safety verdict), else None."""
    latest = tracker.latest_message or {}
    chosen = (latest.get("intent") or {}).get("name")
    if not str(latest.get("text") or "").startswith("/") or chosen not in MONEY_TOPICS:
        return None
    said = [e for e in tracker.events if e.get("event") == "user"]
    if len(said) < 2:
        return None
    question = dict(said[-2].get("parse_data") or {})
    torn = torn_topics(question)
    return question if torn and chosen in torn else None
