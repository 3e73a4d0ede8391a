"""The assistant's actions on real trackers: urgency, topics, handover decisions and payloads."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback
from actions.handover import ActionHandover, ActionOfferHuman
from actions.privacy import ActionForgetMe
from actions.topics import ActionAnswerTopic
from actions.urgency import BAILIFF
from harness.rasa_stack import ROOT
from tests.support.trackers import make_tracker, slot_events


async def run(action, tracker):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_topic_answer_offers_the_three_choices() -> None:
    messages, events = await run(ActionAnswerTopic(), make_tracker("ik heb schulden", "debt_help"))
    assert [m["response"] for m in messages] == ["utter_debt_help", "utter_offer_options"]
    slots = slot_events(events)
    assert slots["topics"] == ["debt_help"]
    assert slots["urgency_flags"] == []


async def test_urgent_topic_offers_a_person() -> None:
    tracker = make_tracker("de deurwaarder staat nu aan de deur", "debt_collector")
    messages, events = await run(ActionAnswerTopic(), tracker)
    assert [m["response"] for m in messages] == [
        "utter_debt_collector",
        "utter_offer_human_urgent",
        "utter_offer_human",
    ]
    slots = slot_events(events)
    assert slots["urgency_flags"] == [BAILIFF]
    assert slots["handover_reason"] == "urgent"


async def test_third_money_problem_offers_a_person_once() -> None:
    slots = {"topics": ["rent_housing", "energy_water"], "handover_offers": []}
    tracker = make_tracker("en ik heb ook nog een cjib boete", "tax_government_debt", slots=slots)
    messages, events = await run(ActionAnswerTopic(), tracker)
    assert [m["response"] for m in messages][-2:] == [
        "utter_offer_human_complex",
        "utter_offer_human",
    ]
    assert slot_events(events)["handover_reason"] == "complexity"
    again = {**slots, "topics": slot_events(events)["topics"], "handover_offers": ["complexity"]}
    messages, _ = await run(
        ActionAnswerTopic(),
        make_tracker("en mijn zorgverzekering", "health_insurance", slots=again),
    )
    assert messages[-1]["response"] == "utter_offer_options"


async def test_distrust_offer_sets_reason() -> None:
    messages, events = await run(
        ActionOfferHuman(), make_tracker("ik vertrouw de gemeente niet", "privacy_trust")
    )
    assert [m["response"] for m in messages] == ["utter_offer_human_trust", "utter_offer_human"]
    assert slot_events(events)["handover_reason"] == "distrust"


async def test_handover_payload_has_kind_reason_and_summary() -> None:
    slots = {
        "topics": ["rent_housing"],
        "urgency_flags": ["eviction"],
        "handover_reason": "urgent",
        "municipality_code": "GM0114",
        "municipality_name": "Emmen",
        "told": ["utter_rent_housing"],
        "handover_offers": ["urgent"],
    }
    messages, events = await run(
        ActionHandover(), make_tracker("/choose_peer", "choose_peer", slots=slots)
    )
    assert messages[0]["response"] == "utter_handover_peer"
    payload = messages[1]["custom"]["handover"]
    assert payload["kind"] == "peer"
    assert payload["reason"] == "urgent"
    assert payload["urgent"] is True
    assert payload["summary"]["topics"] == ["rent_housing"]
    assert payload["summary"]["municipality_code"] == "GM0114"
    assert payload["summary"]["urgency_flags"] == ["eviction"]
    assert payload["summary"]["told"] == ["utter_rent_housing"]
    assert slot_events(events)["handover_reason"] is None


async def test_crisis_handover_needs_no_choice() -> None:
    messages, _ = await run(ActionHandover(), make_tracker("ik wil dood", "crisis"))
    assert messages[0]["response"] == "utter_handover_crisis"
    payload = messages[1]["custom"]["handover"]
    assert payload["reason"] == "crisis"
    assert payload["urgent"] is True
    assert payload["kind"] is None


async def test_second_misunderstanding_in_a_row_offers_a_person() -> None:
    first = make_tracker("blabla", "nlu_fallback")
    messages, events = await run(ActionFallback(), first)
    assert [m["response"] for m in messages] == ["utter_fallback"]
    assert events == []
    second = make_tracker("hmm blabla", "nlu_fallback", history=[("blabla", "nlu_fallback")])
    messages, events = await run(ActionFallback(), second)
    assert [m["response"] for m in messages] == ["utter_fallback_twice", "utter_offer_human"]
    assert slot_events(events)["handover_reason"] == "bot_failed"
    not_in_a_row = make_tracker(
        "hmm", "nlu_fallback", history=[("blabla", "nlu_fallback"), ("schulden", "debt_help")]
    )
    messages, _ = await run(ActionFallback(), not_in_a_row)
    assert [m["response"] for m in messages] == ["utter_fallback"]


STORY = (
    "Sinds mijn scheiding lukt het niet meer. Ik werk in de zorg, de kinderen wonen bij mij en "
    "elke maand is het geld eerder op dan de maand. Ik weet niet waar ik moet beginnen"
)


@pytest.mark.parametrize(
    "text",
    [STORY, "ik ben zo bang dat ik mijn huis kwijtraak"],
    ids=["a long story", "a short message with distress"],
)
async def test_a_story_not_understood_is_thanked_for_not_called_unclear(text: str) -> None:
    messages, events = await run(ActionFallback(), make_tracker(text, "nlu_fallback"))
    assert [m["response"] for m in messages] == ["utter_fallback_story"]
    assert events == []
    # the second misunderstanding in a row still offers a person first
    again = make_tracker(text, "nlu_fallback", history=[("blabla", "nlu_fallback")])
    messages, _ = await run(ActionFallback(), again)
    assert [m["response"] for m in messages] == ["utter_fallback_twice", "utter_offer_human"]


HARDSHIP = (
    "Het is elke maand hetzelfde liedje. Eerst de vaste lasten, dan kijken wat er over is voor "
    "eten, en dan gaat de wasmachine stuk en begint het weer van voren af aan"
)


async def test_a_long_message_read_as_out_of_scope_is_not_turned_away() -> None:
    """Hardship told at length is often read as out of scope; "daar kan ik je niet mee helpen"
    would turn the resident away, so a long message with no place named gets the story answer."""
    messages, events = await run(ActionFallback(), make_tracker(HARDSHIP, "out_of_scope"))
    assert [m["response"] for m in messages] == ["utter_fallback_story"]
    assert events == []
    # a short out-of-scope question keeps the honest answer
    messages, _ = await run(ActionFallback(), make_tracker("welk weer wordt het", "out_of_scope"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope"]
    # a long one that names the place keeps its pointer
    landlord = (
        "ik verhuur sinds een paar jaar een kamer aan een student en mijn huurder betaalt al drie "
        "maanden niet, hoe krijg ik dat geld nu terug van hem"
    )
    messages, _ = await run(ActionFallback(), make_tracker(landlord, "out_of_scope"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope_legal"]


async def test_a_short_unclear_message_is_asked_again() -> None:
    for text in ("wat bedoel je met dat formulier", "ik lig elke nacht wakker"):
        messages, _ = await run(ActionFallback(), make_tracker(text, "nlu_fallback"))
        assert [m["response"] for m in messages] == ["utter_fallback"], text


def test_the_story_answer_thanks_and_offers_a_person_first_in_every_language() -> None:
    from bot.yamlfile import parse_yaml

    domain = parse_yaml((ROOT / "domain" / "conversation.yml").read_text(encoding="utf-8"))
    variants = domain["responses"]["utter_fallback_story"]
    languages = {(v.get("condition") or [{}])[0].get("value", "nl") for v in variants}
    assert languages == {"nl", "en", "tr", "pl", "uk", "ar"}
    for variant in variants:
        assert variant["buttons"][0]["payload"] == "/ask_human", variant
    dutch = [v["text"] for v in variants if not v.get("condition")]
    assert all(t.startswith("Dank je") and "begreep" not in t for t in dutch), dutch


def _asked_then_answered(question: str | None, text: str, intent: str):  # type: ignore[no-untyped-def]
    """A tracker in which the resident asked to be forgotten, the assistant said ``question``
    (None: said nothing) and the resident then wrote ``text``."""
    tracker = make_tracker(text, intent, history=[("verwijder mijn gegevens", "forget_me")])
    latest = tracker.events.pop()
    tracker.events.append({"event": "action", "name": "action_listen"})
    if question:
        tracker.events.append({"event": "action", "name": question})
        tracker.events.append({"event": "bot", "text": "Wil je dat ik alles wis?"})
    tracker.events.append({"event": "action", "name": "action_listen"})
    tracker.events.append(latest)
    return tracker


async def test_forget_me_emits_the_payload_only_on_the_yes_to_the_question() -> None:
    # product change: forget-me asks once first (utter_forget_me_confirm), then erases on the yes
    tracker = _asked_then_answered(
        "utter_forget_me_confirm", "/forget_me_confirm", "forget_me_confirm"
    )
    messages, events = await run(ActionForgetMe(), tracker)
    assert [m.get("response") for m in messages] == ["utter_forget_me_done", None]
    assert messages[1]["custom"] == {"forget_me": True}
    assert events[0]["event"] == "reset_slots"


@pytest.mark.parametrize(
    ("question", "text", "intent"),
    [
        (None, "/forget_me_confirm", "forget_me_confirm"),  # an old button, out of the blue
        ("utter_privacy", "ja wis alles", "affirm"),  # a yes to another question
    ],
)
async def test_a_yes_out_of_the_blue_asks_and_erases_nothing(
    question: str | None, text: str, intent: str
) -> None:
    tracker = _asked_then_answered(question, text, intent)
    messages, events = await run(ActionForgetMe(), tracker)
    assert [m.get("response") for m in messages] == ["utter_forget_me_confirm"]
    assert not any((m.get("custom") or {}).get("forget_me") for m in messages)
    assert events == []


async def test_summary_lists_what_the_assistant_really_offered() -> None:
    tracker = make_tracker("/ask_human", "ask_human", slots={"topics": ["debt_help"]})
    offer = {
        "event": "bot",
        "text": "Wat wil je nu doen?",
        "metadata": {"utter_action": "utter_offer_options"},
        "data": {
            "buttons": [
                {"title": "Hulp in de buurt", "payload": "/find_local_help"},
                {"title": "Praten met iemand", "payload": "/ask_human"},
                {"title": "Nee, nu niet", "payload": "/deny"},
            ]
        },
    }
    tracker.events.insert(0, offer)
    messages, _ = await run(ActionHandover(), tracker)
    assert messages[-1]["custom"]["handover"]["summary"]["suggested"] == [
        "find_local_help",
        "ask_human",
    ]
    bare = make_tracker("/ask_human", "ask_human")
    messages, _ = await run(ActionHandover(), bare)
    assert messages[-1]["custom"]["handover"]["summary"]["suggested"] == []


async def test_maybe_no_food_today_is_urgent_and_gets_no_113_line() -> None:
    tracker = make_tracker("geen geld meer voor eten deze week", "food_basic_needs")
    tracker.latest_message["safety"] = {"tier": "possible", "kind": "no_food", "distress": True}
    messages, events = await run(ActionAnswerTopic(), tracker)
    responses = [m["response"] for m in messages]
    assert "utter_crisis_possible" not in responses
    assert responses[-2:] == ["utter_offer_human_urgent", "utter_offer_human"]
    assert "no_food" in slot_events(events)["urgency_flags"]


async def test_another_possible_crisis_still_gets_the_gentle_line() -> None:
    tracker = make_tracker("ik weet het allemaal niet meer met die rekeningen", "debt_help")
    tracker.latest_message["safety"] = {"tier": "possible", "kind": "distress", "distress": True}
    messages, _ = await run(ActionAnswerTopic(), tracker)
    assert "utter_crisis_possible" in [m["response"] for m in messages]


async def test_possible_financial_abuse_gets_the_veilig_thuis_question_not_113() -> None:
    text = "mijn man heeft alle leningen op mijn naam gezet en nu zit ik met de schulden"
    tracker = make_tracker(text, "debt_help")
    tracker.latest_message["safety"] = {
        "tier": "possible",
        "kind": "financial_abuse",
        "distress": True,
    }
    messages, _ = await run(ActionAnswerTopic(), tracker)
    responses = [m["response"] for m in messages]
    assert "utter_crisis_financial_abuse" in responses
    assert "utter_crisis_possible" not in responses
