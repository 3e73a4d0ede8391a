"""The answer tiers of actions/knowledge.py and ActionAnswerTopic on real trackers (no Rasa)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import (
    CLEAR_LEAD,
    ENTRY,
    GENERAL_MARGIN,
    HIGH,
    LOW_INTENT,
    MIDDLE,
    PRIVATE_DATA_RESPONSE,
    REPEAT_RESPONSE,
    SURE_ENTRY,
    TOPIC,
    UNSURE,
    UNSURE_RESPONSE,
    choose_tier,
    has_language_variant,
    shares_personal_data,
)
from actions.topics import ActionAnswerTopic
from tests.support.trackers import slot_events

DOMAIN = {
    "responses": {
        "utter_kb_bvv_wat_is": [{"text": "De beslagvrije voet is ..."}],
        "utter_debt_collector": [
            {"text": "nl"},
            {"text": "en", "condition": [{"type": "slot", "name": "language", "value": "en"}]},
        ],
    }
}


def knowledge(entry: str | None, confidence: float, topic: str = "debt_collector") -> dict:
    return {"id": entry, "confidence": confidence, "topic": topic, "ranking": []}


def led(confidence: float, second: float, topic: str = "debt_collector") -> dict:
    """An entry below HIGH with the next entry's confidence in the ranking."""
    ranking = [
        {"id": "bvv_wat_is", "confidence": confidence, "topic": topic},
        {"id": "bvv_hoogte", "confidence": second, "topic": "debt_collector"},
    ]
    return {**knowledge("bvv_wat_is", confidence, topic), "ranking": ranking}


def near(kb: dict, own: float, general: float | None) -> dict:
    """``kb`` with the cosines to the entry's own nearest example and its topic's general lines."""
    return {**kb, "similarity": own, "general_similarity": general}


def tracker(
    text: str,
    intent: str = "debt_collector",
    intent_confidence: float = 0.9,
    kb: dict | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    parse: dict[str, Any] = {
        "intent": {"name": intent, "confidence": intent_confidence},
        "entities": [],
        "text": text,
    }
    if kb is not None:
        parse["knowledge"] = kb
    return Tracker(
        sender_id="kb-test",
        slots={"language": "nl", **(slots or {})},
        latest_message=parse,
        events=[{"event": "user", "text": text, "parse_data": parse}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def answer(t: Tracker) -> tuple[list[str], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerTopic().run(dispatcher, t, DOMAIN)
    return [m["response"] for m in dispatcher.messages], slot_events(events)


def test_thresholds_are_ordered() -> None:
    assert 0 < MIDDLE < HIGH < 1 and 0 < LOW_INTENT < 1


@pytest.mark.parametrize(
    ("intent_confidence", "kb", "tier"),
    [
        (0.9, knowledge("bvv_wat_is", HIGH), ENTRY),
        (0.2, knowledge("bvv_wat_is", HIGH + 0.1), ENTRY),
        (0.9, knowledge("bvv_wat_is", (HIGH + MIDDLE) / 2), TOPIC),
        (0.9, knowledge("bvv_wat_is", MIDDLE / 2), TOPIC),  # sure of the topic: its answer
        (LOW_INTENT - 0.01, knowledge("bvv_wat_is", MIDDLE / 2), UNSURE),
        (LOW_INTENT - 0.01, knowledge("bvv_wat_is", MIDDLE), TOPIC),
        (0.1, None, TOPIC),  # a model without the matcher: today's behaviour
        (0.9, knowledge(None, 0.0), TOPIC),
        # below HIGH: a clear best entry of the understood topic is the answer
        (0.9, led(0.24, 0.24 / CLEAR_LEAD), ENTRY),
        (0.9, led(MIDDLE, MIDDLE / CLEAR_LEAD - 0.001), ENTRY),
        (0.9, led(0.24, 0.24 / CLEAR_LEAD + 0.01), TOPIC),  # not clear enough
        (0.9, led(MIDDLE - 0.01, 0.0), TOPIC),  # too unsure, however clear
        (0.9, led(0.24, 0.02, topic="energy_water"), TOPIC),  # another topic than understood
        # a general message ("ik heb een brief van de deurwaarder gekregen"): clearly nearer the
        # topic's general lines than the entry's own examples gets the topic answer, however sure
        (0.9, near(knowledge("bvv_wat_is", HIGH), 0.95, 0.95 + GENERAL_MARGIN + 0.001), TOPIC),
        # ... unless the entry is sure ("wat is bewindvoering" is a general line too)
        (0.9, near(knowledge("bvv_wat_is", SURE_ENTRY), 0.9, 1.0), ENTRY),
        (0.9, near(led(0.24, 0.01), 0.95, 0.95 + GENERAL_MARGIN + 0.001), TOPIC),
        (0.9, near(knowledge("bvv_wat_is", HIGH), 0.95, 0.95 + GENERAL_MARGIN - 0.001), ENTRY),
        (0.9, near(knowledge("bvv_wat_is", HIGH), 0.95, 0.90), ENTRY),
        (0.9, near(knowledge("bvv_wat_is", HIGH), 0.95, None), ENTRY),  # no general lines
        # the general lines take away the entry, not the honest "I don't know exactly"
        (LOW_INTENT - 0.01, near(knowledge("bvv_wat_is", MIDDLE / 2), 0.8, 0.99), UNSURE),
    ],
)
def test_choose_tier(intent_confidence: float, kb: dict | None, tier: str) -> None:
    assert choose_tier("debt_collector", intent_confidence, kb) == tier


async def test_a_sure_entry_is_answered_and_remembered() -> None:
    said, slots = await answer(tracker("wat is de bvv", kb=knowledge("bvv_wat_is", 0.9)))
    assert said == ["utter_kb_bvv_wat_is", "utter_offer_options"]
    assert slots["told"] == ["utter_kb_bvv_wat_is"]
    assert slots["topics"] == ["debt_collector"]


async def test_a_middle_confidence_gets_the_topic_answer() -> None:
    kb = knowledge("bvv_wat_is", (HIGH + MIDDLE) / 2)
    said, _ = await answer(tracker("iets met beslag", kb=kb))
    assert said == ["utter_debt_collector", "utter_offer_options"]


async def test_unsure_is_honest_and_offers_a_person() -> None:
    kb = knowledge("bvv_wat_is", MIDDLE / 3)
    said, slots = await answer(tracker("hoe zit dat", intent_confidence=0.4, kb=kb))
    assert said == [UNSURE_RESPONSE, "utter_offer_human"]
    assert "told" in slots


async def test_no_answer_twice_word_for_word() -> None:
    kb = knowledge("bvv_wat_is", 0.9)
    said, _ = await answer(
        tracker("en de bvv nog eens?", kb=kb, slots={"told": ["utter_kb_bvv_wat_is"]})
    )
    assert said == [REPEAT_RESPONSE, "utter_offer_human"]
    said, _ = await answer(
        tracker("beslag?", kb=knowledge("x", 0.2), slots={"told": ["utter_debt_collector"]})
    )
    assert said == [REPEAT_RESPONSE, "utter_offer_human"]


async def test_an_entry_without_the_conversations_language_gives_the_translated_topic() -> None:
    kb = knowledge("bvv_wat_is", 0.9)
    said, _ = await answer(tracker("what is bvv", kb=kb, slots={"language": "en"}))
    assert said[0] == "utter_debt_collector"
    assert has_language_variant(DOMAIN, "utter_debt_collector", "en")
    assert not has_language_variant(DOMAIN, "utter_kb_bvv_wat_is", "en")
    assert has_language_variant(DOMAIN, "utter_kb_bvv_wat_is", "nl")


async def test_an_unknown_entry_falls_back_to_the_topic() -> None:
    said, _ = await answer(tracker("?", kb=knowledge("not_in_domain", 0.95)))
    assert said[0] == "utter_debt_collector"


async def test_urgency_still_offers_a_person_after_the_entry() -> None:
    text = "de deurwaarder staat nu aan de deur, wat is de beslagvrije voet"
    said, slots = await answer(tracker(text, kb=knowledge("bvv_wat_is", 0.9)))
    assert said == ["utter_kb_bvv_wat_is", "utter_offer_human_urgent", "utter_offer_human"]
    assert slots["handover_reason"] == "urgent"


async def test_unsure_and_urgent_offer_a_person_once() -> None:
    text = "de deurwaarder staat nu aan de deur"
    kb = knowledge("bvv_wat_is", MIDDLE / 3)
    said, _ = await answer(tracker(text, intent_confidence=0.4, kb=kb))
    assert said == [UNSURE_RESPONSE, "utter_offer_human_urgent", "utter_offer_human"]


@pytest.mark.parametrize(
    "text",
    [
        "mijn bsn is 111222333, wat is de beslagvrije voet",
        "ik betaal vanaf NL91 ABNA 0417 1643 00 maar de deurwaarder wil meer",
        "mijn naam is Fatima, mag de deurwaarder mijn vakantiegeld pakken",
        "ik woon op de Kerkstraat 12 en er ligt beslag",
        "adres 1234 AB nummer 5, wat nu",
    ],
)
async def test_personal_data_still_gets_the_answer_and_one_gentle_line(text: str) -> None:
    assert shares_personal_data(text)
    said, slots = await answer(tracker(text, kb=knowledge("bvv_wat_is", 0.9)))
    assert said[:2] == ["utter_kb_bvv_wat_is", PRIVATE_DATA_RESPONSE]
    said, _ = await answer(
        tracker(text, kb=knowledge("bvv_wat_is", 0.9), slots={"told": slots["told"]})
    )
    assert PRIVATE_DATA_RESPONSE not in said  # once per conversation


@pytest.mark.parametrize(
    "text",
    [
        "wat is de beslagvrije voet",
        "ik moet 1200 euro betalen voor 15 maart",
        "bel 0800-8115",
        "mijn dossiernummer is 123456789",  # nine digits, not a BSN (elfproef)
        "ik heb 3 kinderen van 4, 7 en 12",
    ],
)
def test_ordinary_messages_hold_no_personal_data(text: str) -> None:
    assert not shares_personal_data(text)
