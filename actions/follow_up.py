"""A follow-up question that does not name its topic, answered from the topic just answered.

"Wat is bewindvoering" gets the entry on what it is. "Hoe vraag je dat aan" after it names no
topic: alone, the intent is unsure (or falls back) and no entry of the 300 is sure, so the
resident heard "zeg het anders" or "dat weet ik niet precies". Read after the answer on
bewindvoering it is clear, as it is to a counsellor: the entry on how to apply for it.

The latest message is read as a follow-up when
- the assistant's previous turn answered a topic (a topic answer or a knowledge-base entry;
  the topic is in the response's metadata or is the topic response's own);
- the message has no clear topic of its own: the intent fell back, is the answered topic
  itself (whose topic answer was just said), or is below ``OWN_TOPIC`` (another topic, out of
  scope, a yes or a thanks);
- the knowledge base's best entry of the answered topic is clear given that topic (at least
  ``MIN_SHARE`` of the topic's probability) and not unlikely over all entries (at least
  ``MIN_CONFIDENCE``): thresholds chosen on tests/nlu/data/follow_ups.yml with
  ``scripts/bench_knowledge.py --follow-ups`` (docs/knowledge.md);
- it does not ask an entry by itself (actions/knowledge.py would not say one), the safety
  layer saw nothing in it, and it is typed, not a button.

Then that entry answers it, through the topic answer (actions/topics.py), so everything after
the first bubble (urgency, the person offers, "no text twice") is the same as for any question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from actions.answer_yes import said_last_turn
from actions.knowledge import ENTRY, KB_PREFIX, choose_tier
from actions.torn_topics import FALLBACK_INTENT

OWN_TOPIC = 0.55  # an intent at least this sure is the message's own topic
MIN_SHARE = 0.4
MIN_CONFIDENCE = 0.01


@dataclass(frozen=True)
class FollowUp:
    """The topic the follow-up is about and the entry that answers it."""

    topic: str
    entry: str


def answered_topic(
    said: list[str], domain: dict[str, Any], topic_responses: dict[str, str]
) -> str | None:
    """The topic of the latest topic answer or entry in ``said`` (response names), or None."""
    by_response = {response: topic for topic, response in topic_responses.items()}
    responses = domain.get("responses") or {}
    for name in reversed(said):
        if name in by_response:
            return by_response[name]
        if name.startswith(KB_PREFIX):
            for variant in responses.get(name) or []:
                if not variant.get("condition"):
                    topic = (variant.get("metadata") or {}).get("topic")
                    return str(topic) if topic else None
    return None


def has_own_topic(parse: dict[str, Any], answered: str) -> bool:
    """True when the message clearly says a topic other than ``answered`` (or is no question)."""
    intent = parse.get("intent") or {}
    if intent.get("name") in (FALLBACK_INTENT, answered):
        return False
    return float(intent.get("confidence") or 0.0) >= OWN_TOPIC


def follow_up_entry(parse: dict[str, Any], topic: str) -> str | None:
    """The entry of ``topic`` that answers the message, when it is clear (see the docstring)."""
    text = str(parse.get("text") or "")
    if not text.strip() or text.lstrip().startswith("/"):
        return None
    safety = parse.get("safety")
    if isinstance(safety, dict) and safety.get("tier") not in (None, "none"):
        return None
    knowledge = parse.get("knowledge")
    if not isinstance(knowledge, dict):
        return None
    intent = parse.get("intent") or {}
    if choose_tier(intent.get("name"), intent.get("confidence"), knowledge) == ENTRY:
        return None  # the message asks an entry by itself: its own answer
    best = (knowledge.get("by_topic") or {}).get(topic)
    if not isinstance(best, dict) or not best.get("id"):
        return None
    if float(best.get("share") or 0.0) < MIN_SHARE:
        return None
    if float(best.get("confidence") or 0.0) < MIN_CONFIDENCE:
        return None
    return str(best["id"])


def follow_up(
    tracker: Tracker, domain: dict[str, Any], topic_responses: dict[str, str]
) -> FollowUp | None:
    """The follow-up the latest message asks about the topic just answered, or None."""
    parse = tracker.latest_message or {}
    topic = answered_topic(said_last_turn(tracker), domain, topic_responses)
    if topic is None or has_own_topic(parse, topic):
        return None
    entry = follow_up_entry(parse, topic)
    return FollowUp(topic, entry) if entry else None
