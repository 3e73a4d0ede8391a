"""The safety actions on real rasa-sdk trackers: the crisis kind slot and the gentle line."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.safety import (
    POSSIBLE_LINE,
    UTTER_CRISIS_VARIATION,
    ActionCrisisKind,
    add_possible_crisis_line,
    crisis_response,
    latest_safety,
)
from actions.topics import ActionAnswerTopic
from bot.texts import TextCatalog
from rasa_addons.safety_rules import KINDS


def user(text: str, intent: str, safety: dict[str, Any] | None = None) -> dict[str, Any]:
    parse: dict[str, Any] = {
        "intent": {"name": intent, "confidence": 0.9},
        "entities": [],
        "text": text,
    }
    if safety is not None:
        parse["safety"] = safety
    return {"event": "user", "text": text, "parse_data": parse}


def bot(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def tracker(events: list[dict[str, Any]]) -> Tracker:
    latest = next(e for e in reversed(events) if e["event"] == "user")
    return Tracker(
        sender_id="test",
        slots={"requested_slot": None},
        latest_message=latest["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


POSSIBLE = {"tier": "possible", "kind": None}


async def test_the_crisis_kind_comes_from_the_parse_or_the_text() -> None:
    action, dispatcher = ActionCrisisKind(), CollectingDispatcher()
    from_parse = tracker([user("zomaar", "crisis", {"tier": "certain", "kind": "homeless"})])
    assert await action.run(dispatcher, from_parse, {}) == [
        {"event": "slot", "timestamp": None, "name": "crisis_kind", "value": "homeless"}
    ]
    from_text = tracker([user("mijn vriend slaat me", "crisis")])  # a parse without safety
    assert (await action.run(dispatcher, from_text, {}))[0]["value"] == "violence"
    unknown = tracker([user("/crisis", "crisis")])  # the intent alone: the general answer
    assert (await action.run(dispatcher, unknown, {}))[0]["value"] is None
    assert latest_safety(unknown).tier == "certain"
    assert dispatcher.messages == []  # the answer is utter_crisis, rendered by Rasa


def test_every_kind_has_its_answer_and_the_same_text_inside_utter_crisis() -> None:
    catalog = TextCatalog.load()
    variants = [v["text"] for v in catalog.variants("utter_crisis")]
    for kind in KINDS:
        name = crisis_response(kind)
        assert name in catalog.names(), kind
        if kind in UTTER_CRISIS_VARIATION:  # a newer kind: its family's variation in utter_crisis
            family = UTTER_CRISIS_VARIATION[kind]
            assert family is None or catalog.render(f"utter_crisis_{family}").text in variants
        else:
            assert name == f"utter_crisis_{kind}"
            assert catalog.render(name).text in variants
    assert crisis_response(None) == "utter_crisis"


@pytest.mark.parametrize(
    "safety,expected",
    [
        (POSSIBLE, True),
        ({"tier": "none", "kind": None}, False),
        ({"tier": "certain", "kind": "suicide"}, False),  # certain has its own answer
        ({"tier": "bogus"}, False),
    ],
)
def test_the_gentle_line_only_for_possible(safety: dict[str, Any], expected: bool) -> None:
    dispatcher = CollectingDispatcher()
    added = add_possible_crisis_line(dispatcher, tracker([user("hoi", "greet", safety)]))
    assert added is expected
    assert [m["response"] for m in dispatcher.messages] == ([POSSIBLE_LINE] if expected else [])


def test_the_gentle_line_is_not_repeated_while_on_screen() -> None:
    shown = [user("eerste", "debt_help", POSSIBLE), bot("utter_debt_help"), bot(POSSIBLE_LINE)]
    recently = tracker([*shown, user("tweede", "debt_help", POSSIBLE)])
    assert not add_possible_crisis_line(CollectingDispatcher(), recently)
    later = [*shown] + [user(f"bericht {i}", "debt_help") for i in range(3)]
    long_ago = tracker([*later, user("weer", "debt_help", POSSIBLE)])
    assert add_possible_crisis_line(CollectingDispatcher(), long_ago)


async def test_a_possible_crisis_gets_the_topic_answer_then_the_line() -> None:
    dispatcher = CollectingDispatcher()
    text = "ik ga dood van de stress, ik heb een huurachterstand"
    await ActionAnswerTopic().run(dispatcher, tracker([user(text, "rent_housing", POSSIBLE)]), {})
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[:2] == ["utter_rent_housing", POSSIBLE_LINE]
    # the rules see the same even when the parse had no screening
    dispatcher = CollectingDispatcher()
    await ActionAnswerTopic().run(dispatcher, tracker([user(text, "rent_housing")]), {})
    assert POSSIBLE_LINE in [m["response"] for m in dispatcher.messages]
