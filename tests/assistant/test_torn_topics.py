"""A message torn between two money topics gets the two as a choice, in the conversation's language."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.torn_topics import torn_topics
from tests.support.trackers import action_domain, make_tracker

ENTRY = "deurwaarder_aan_de_deur"


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    """The domain's responses as Rasa sends them to the action server."""
    return action_domain()


def parse(ranking: list[tuple[str, float]], tier: str = "none") -> dict[str, Any]:
    """A parse that fell back, with the ranking the classifiers gave."""
    return {
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}]
        + [{"name": n, "confidence": c} for n, c in ranking],
        "safety": {"tier": tier},
    }


def test_two_close_money_topics_are_torn() -> None:
    assert torn_topics(parse([("debt_help", 0.44), ("debt_collector", 0.41)])) == (
        "debt_help",
        "debt_collector",
    )


@pytest.mark.parametrize(
    "case",
    [
        parse([("debt_help", 0.44), ("deny", 0.41)]),  # not two money topics
        parse([("income_support", 0.4), ("crisis", 0.37)]),  # crisis is never a choice
        parse([("debt_help", 0.25), ("payment_arrears", 0.1)]),  # the second is not plausible
        parse([("debt_help", 0.22), ("payment_arrears", 0.16)]),  # neither is sure enough
        parse([("debt_help", 0.44), ("debt_collector", 0.41)], tier="possible"),  # safety first
        {"intent": {"name": "debt_help", "confidence": 0.9}, "intent_ranking": []},  # understood
    ],
)
def test_no_choice_without_two_plausible_money_topics(case: dict[str, Any]) -> None:
    assert torn_topics(case) is None


async def run(tracker: Any, domain: dict[str, Any]) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    await ActionFallback().run(dispatcher, tracker, domain)
    return dispatcher.messages


def torn_tracker(language: str | None, history: list[tuple[str, str]] = ()) -> Any:  # type: ignore[assignment]
    tracker = make_tracker(
        "er ging meer uit dan erin kwam",
        "nlu_fallback",
        slots={"language": language},
        history=history,
    )
    tracker.latest_message.update(parse([("debt_help", 0.44), ("payment_arrears", 0.41)]))
    return tracker


@pytest.mark.parametrize(
    ("language", "first", "other"),
    [
        (None, "Schulden", "Iets anders"),
        ("en", "Debts", "Something else"),
        ("tr", "Borçlar", "Başka bir şey"),
    ],
)
async def test_the_fallback_offers_the_two_topics_in_the_conversations_language(
    domain: dict[str, Any], language: str | None, first: str, other: str
) -> None:
    messages = await run(torn_tracker(language), domain)
    assert [m["response"] for m in messages] == ["utter_fallback_which_topic"]
    buttons = messages[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/debt_help", "/payment_arrears", "/something_else"]
    assert buttons[0]["title"] == first
    assert buttons[-1]["title"] == other
    assert all(b["title"] and "_" not in b["title"] for b in buttons)


async def test_every_language_has_the_question_and_every_money_topic_a_name(
    domain: dict[str, Any],
) -> None:
    from actions.language import response_variant
    from actions.torn_topics import LABEL_RESPONSE, OTHER_LABEL_RESPONSE
    from bot.settings import LANGUAGES
    from bot.topics import MONEY_TOPICS

    for language in LANGUAGES:
        for name in [
            "utter_fallback_which_topic",
            OTHER_LABEL_RESPONSE,
            *(LABEL_RESPONSE.format(topic=t) for t in MONEY_TOPICS),
        ]:
            variant = response_variant(domain, name, language)
            conditions = variant.get("condition") or []
            assert variant.get("text"), (name, language)
            if language != "nl":
                assert conditions, f"{name} has no {language} text"


async def test_a_second_fallback_in_a_row_still_offers_a_person(domain: dict[str, Any]) -> None:
    tracker = torn_tracker(None, history=[("blabla", "nlu_fallback")])
    messages = await run(tracker, domain)
    assert [m["response"] for m in messages] == ["utter_fallback_twice", "utter_offer_human"]


def tapped_after_a_torn_question(chosen: str, entry: str, entry_topic: str) -> Any:
    """A tracker: a torn question (with a sure knowledge-base entry), then the tap on a topic."""
    from rasa_sdk import Tracker

    question = {
        **parse([("debt_collector", 0.42), ("debt_help", 0.40)]),
        "text": "de deurwaarder staat morgen voor de deur en ik weet niet wat te doen",
        "knowledge": {"id": entry, "topic": entry_topic, "confidence": 0.62},
    }
    tap = {"intent": {"name": chosen, "confidence": 1.0}, "entities": [], "text": f"/{chosen}"}
    events = [
        {"event": "user", "text": question["text"], "parse_data": question},
        {"event": "bot", "text": "Ik weet niet precies waar je vraag over gaat."},
        {"event": "user", "text": tap["text"], "parse_data": tap},
    ]
    return Tracker("test", {"requested_slot": None}, tap, events, False, None, {}, "action_listen")


async def test_the_tap_on_a_topic_answers_the_question_that_was_asked(
    domain: dict[str, Any],
) -> None:
    from actions.topics import ActionAnswerTopic

    dispatcher = CollectingDispatcher()
    tracker = tapped_after_a_torn_question("debt_collector", ENTRY, "debt_collector")
    events = await ActionAnswerTopic().run(dispatcher, tracker, domain)
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[0] == f"utter_kb_{ENTRY}"  # the entry of the question, not the topic text
    # the question's words count: a bailiff at the door tomorrow is urgent
    assert "utter_offer_human_urgent" in responses
    assert {e["name"]: e["value"] for e in events if e.get("event") == "slot"}["urgency_flags"]


async def test_an_entry_of_the_other_topic_does_not_answer_the_chosen_one(
    domain: dict[str, Any],
) -> None:
    from actions.topics import ActionAnswerTopic

    dispatcher = CollectingDispatcher()
    tracker = tapped_after_a_torn_question("debt_help", ENTRY, "debt_collector")
    await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == "utter_debt_help"


async def test_a_tap_without_a_torn_question_before_it_is_a_plain_topic_choice(
    domain: dict[str, Any],
) -> None:
    from actions.torn_topics import torn_question

    tracker = tapped_after_a_torn_question("energy_water", ENTRY, "debt_collector")
    assert torn_question(tracker) is None  # energy was not one of the two offered
