"""A follow-up question without its own subject is answered from the topic just answered
(actions/follow_up.py), with the real domain; the trained model's reading of the team's
follow-up set is checked in tests/knowledge/test_follow_ups.py."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_state import fallbacks_in_a_row
from actions.fallback import ActionFallback
from actions.follow_up import answered_topic, follow_up
from actions.topics import TOPIC_RESPONSES, ActionAnswerTopic
from tests.support.trackers import action_domain, slot_events

ENTRY = "incasso_hoeveel"


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    """The domain's responses as Rasa sends them to the action server."""
    return action_domain()


def by_topic(share: float = 0.8, confidence: float = 0.1) -> dict[str, Any]:
    """The matcher's best entry per topic, as rasa_addons/knowledge_matcher.py gives it."""
    return {
        "debt_collector": {"id": ENTRY, "confidence": confidence, "share": share},
        "health_insurance": {"id": "cak_eruit", "confidence": 0.01, "share": 0.3},
    }


def follow_up_parse(
    intent: str = "nlu_fallback",
    confidence: float = 0.3,
    tier: str = "none",
    text: str = "hoeveel mogen ze rekenen",
    entry_share: float = 0.8,
    entry_confidence: float = 0.1,
) -> dict[str, Any]:
    """The parse of a follow-up that names no topic."""
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [],
        "safety": {"tier": tier},
        "knowledge": {
            "id": "schuldhulp_gratis",
            "confidence": 0.05,
            "topic": "debt_help",
            "ranking": [],
            "by_topic": by_topic(entry_share, entry_confidence),
        },
    }


def tracker_after(said: list[str], latest: dict[str, Any], told: list[str] = ()) -> Tracker:  # type: ignore[assignment]
    """A question about debt collectors, the assistant's answer (``said``), then ``latest``."""
    question = {
        "text": "ik heb een brief van een incassobureau",
        "intent": {"name": "debt_collector", "confidence": 0.95},
        "entities": [],
    }
    events: list[dict[str, Any]] = [
        {"event": "user", "text": question["text"], "parse_data": question},
        {"event": "action", "name": "action_answer_topic"},
        *({"event": "bot", "text": "…", "metadata": {"utter_action": name}} for name in said),
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": latest["text"], "parse_data": latest},
    ]
    slots = {"language": None, "topics": ["debt_collector"], "told": list(told or said[:1])}
    return Tracker("test", slots, latest, events, False, None, {}, "action_listen")


async def said_by(action: Any, tracker: Tracker, domain: dict[str, Any]) -> list[str]:
    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker, domain)
    return [m["response"] for m in dispatcher.messages]


def test_the_answered_topic_is_read_from_what_was_said(domain: dict[str, Any]) -> None:
    assert answered_topic(
        ["utter_debt_collector", "utter_offer_options"], domain, TOPIC_RESPONSES
    ) == ("debt_collector")
    # an entry's topic is in its Dutch variant's metadata
    assert answered_topic(["utter_kb_cak_eruit"], domain, TOPIC_RESPONSES) == "health_insurance"
    assert answered_topic(["utter_greet", "utter_offer_options"], domain, TOPIC_RESPONSES) is None


async def test_a_fallback_after_a_topic_answer_gets_that_topics_entry(
    domain: dict[str, Any],
) -> None:
    tracker = tracker_after(["utter_debt_collector", "utter_offer_options"], follow_up_parse())
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker, domain)
    said = [m["response"] for m in dispatcher.messages if m["response"]]
    assert said[0] == f"utter_kb_{ENTRY}"
    assert "utter_fallback" not in said
    # the gateway learns the message was understood with its context (no review question)
    customs = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert customs == [{"follow_up": {"topic": "debt_collector"}}]
    events = await ActionFallback().run(CollectingDispatcher(), tracker, domain)
    assert f"utter_kb_{ENTRY}" in slot_events(events)["told"]


async def test_an_unsure_topic_after_a_topic_answer_gets_that_topics_entry(
    domain: dict[str, Any],
) -> None:
    latest = follow_up_parse(intent="debt_help", confidence=0.35)
    tracker = tracker_after(["utter_kb_incasso_bureau_wat", "utter_offer_options"], latest)
    said = await said_by(ActionAnswerTopic(), tracker, domain)
    assert said[0] == f"utter_kb_{ENTRY}"
    assert "utter_kb_unsure" not in said
    # the topic remembered is the one answered, not the unsure intent's
    events = await ActionAnswerTopic().run(CollectingDispatcher(), tracker, domain)
    assert slot_events(events)["topics"] == ["debt_collector"]


@pytest.mark.parametrize(
    ("latest", "said_before"),
    [
        # a clear topic of its own is that topic's question
        (follow_up_parse(intent="health_insurance", confidence=0.8), ["utter_debt_collector"]),
        # the entry is not clear given the topic
        (follow_up_parse(entry_share=0.3), ["utter_debt_collector"]),
        # the entry is unlikely over all entries
        (follow_up_parse(entry_confidence=0.001), ["utter_debt_collector"]),
        # the safety layer saw something: its path answers first
        (follow_up_parse(tier="possible"), ["utter_debt_collector"]),
        # a button is not a question
        (follow_up_parse(text="/debt_collector"), ["utter_debt_collector"]),
        # the turn before answered no topic
        (follow_up_parse(), ["utter_greet", "utter_offer_options"]),
    ],
)
def test_no_follow_up_without_context_or_a_clear_entry(
    latest: dict[str, Any], said_before: list[str], domain: dict[str, Any]
) -> None:
    assert follow_up(tracker_after(said_before, latest), domain, TOPIC_RESPONSES) is None


async def test_the_usual_fallback_when_it_is_no_follow_up(domain: dict[str, Any]) -> None:
    tracker = tracker_after(["utter_greet"], follow_up_parse())
    assert await said_by(ActionFallback(), tracker, domain) == ["utter_fallback"]


def test_a_follow_up_answered_ends_a_row_of_fallbacks() -> None:
    fallback = follow_up_parse()
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "eerst", "parse_data": fallback},
        {"event": "bot", "text": "…", "metadata": {"utter_action": f"utter_kb_{ENTRY}"}},
        {"event": "user", "text": "nu", "parse_data": fallback},
    ]
    tracker = Tracker("test", {}, fallback, events, False, None, {}, "action_listen")
    assert fallbacks_in_a_row(tracker) == 1
    events[1]["metadata"] = {"utter_action": "utter_fallback"}
    assert fallbacks_in_a_row(tracker) == 2
