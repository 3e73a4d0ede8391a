"""Decisions behind odd messages, on real trackers: the location reply, out of scope.

The conversations themselves run through the trained model in test_understanding.py.
"""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_state import fallbacks_in_a_row
from actions.fallback import ActionFallback
from actions.location_reply import PLACE, STAY, STEP_OUT, is_sad, looks_like_place, reply_kind
from actions.next_step import ActionNextStep
from actions.scope import LEGAL, MUNICIPAL, OTHER, scope_kind
from actions.stale_choice import DEFAULT_CHOICES, ActionStaleChoice
from tests.support.trackers import make_tracker


async def run(action, tracker):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mijn verhuurder geeft de borg niet terug", LEGAL),
        ("de huisbaas repareert de lekkage niet", LEGAL),
        ("mijn werkgever betaalt mijn vakantiegeld niet", LEGAL),
        ("de webshop levert niet en betaalt niet terug", LEGAL),
        ("kan ik het koopcontract van de auto ontbinden", LEGAL),
        ("mijn huurder betaalt al drie maanden niet, hoe krijg ik hem eruit", LEGAL),
        ("een klant betaalt mijn factuur niet", LEGAL),
        ("mijn klant betaalt niet, wat kan ik doen", LEGAL),
        ("mijn klanten betalen te laat", LEGAL),
        ("ik heb mijn broer geld uitgeleend en hij betaalt niet terug", LEGAL),
        ("mijn digid werkt niet", MUNICIPAL),
        ("wanneer wordt het grofvuil opgehaald", MUNICIPAL),
        ("hoe vraag ik een kapvergunning aan", MUNICIPAL),
        ("mijn id-kaart is verlopen", MUNICIPAL),
        ("vertel een mop", OTHER),
        ("asdfgh", OTHER),
        ("", OTHER),
    ],
)
def test_scope_kind(text: str, kind: str) -> None:
    assert scope_kind(text) == kind


async def test_a_legal_question_points_to_het_juridisch_loket() -> None:
    tracker = make_tracker("de verhuurder houdt mijn borg in", "out_of_scope")
    messages, _ = await run(ActionFallback(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope_legal"]


LANDLORD = "mijn huurder is al drie maanden achter, hoe zet ik hem uit huis"


def leaning(first: str, text: str = LANDLORD):  # type: ignore[no-untyped-def]
    """A tracker whose latest message fell back, torn between ``first`` and the other one."""
    tracker = make_tracker(text, "nlu_fallback")
    second = "rent_housing" if first == "out_of_scope" else "out_of_scope"
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": first, "confidence": 0.5},
        {"name": second, "confidence": 0.48},
    ]
    tracker.events[-1]["parse_data"] = tracker.latest_message
    return tracker


async def test_a_fallback_leaning_out_of_scope_gets_the_pointer_and_is_understood() -> None:
    messages, events = await run(ActionFallback(), leaning("out_of_scope"))
    assert [m["response"] for m in messages] == ["utter_out_of_scope_legal"]
    assert events == []
    assert fallbacks_in_a_row(leaning("out_of_scope")) == 0


async def test_a_fallback_leaning_to_a_topic_or_naming_no_place_gets_no_pointer() -> None:
    to_a_topic = leaning("rent_housing")
    messages, _ = await run(ActionFallback(), to_a_topic)
    assert "utter_out_of_scope_legal" not in [m["response"] for m in messages]
    assert fallbacks_in_a_row(to_a_topic) == 1
    no_place = leaning("out_of_scope", "hoe zit dat eigenlijk allemaal")
    messages, _ = await run(ActionFallback(), no_place)
    assert [m["response"] for m in messages] == ["utter_fallback"]


async def test_a_municipal_question_points_to_the_municipality() -> None:
    tracker = make_tracker("ik kan niet inloggen met digid", "out_of_scope")
    messages, _ = await run(ActionFallback(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope_municipal"]


async def test_answered_out_of_scope_questions_are_no_misunderstanding() -> None:
    history = [("mijn werkgever betaalt niet", "out_of_scope")]
    tracker = make_tracker(
        "de verhuurder geeft de borg niet terug", "out_of_scope", history=history
    )
    assert fallbacks_in_a_row(tracker) == 0
    messages, events = await run(ActionFallback(), tracker)
    assert [m["response"] for m in messages] == ["utter_out_of_scope_legal"]
    assert events == []  # no bot_failed handover reason
    gibberish = make_tracker("qwerty", "out_of_scope", history=[("asdf", "nlu_fallback")])
    assert fallbacks_in_a_row(gibberish) == 2


async def test_a_plea_before_and_after_a_topic() -> None:
    messages, _ = await run(ActionNextStep(), make_tracker("wat moet ik nu doen??", "next_step"))
    assert [m["response"] for m in messages] == ["utter_next_step_start"]
    tracker = make_tracker("en nu?", "next_step", slots={"topics": ["rent_housing"]})
    messages, _ = await run(ActionNextStep(), tracker)
    assert [m["response"] for m in messages] == ["utter_next_step_after_topic"]


async def test_an_unknown_button_shows_the_latest_choices() -> None:
    tracker = make_tracker("/oude_knop", "stale_choice")
    buttons = [{"title": "Schuldhulpverlener", "payload": "/choose_counsellor"}]
    tracker.events.insert(0, {"event": "bot", "text": "Met wie?", "data": {"buttons": buttons}})
    messages, events = await run(ActionStaleChoice(), tracker)
    assert messages[0]["response"] == "utter_choice_gone" and messages[0]["buttons"] == buttons
    assert events == []
    messages, _ = await run(ActionStaleChoice(), make_tracker("/weg", "stale_choice"))
    assert messages[0]["buttons"] == DEFAULT_CHOICES


@pytest.mark.parametrize(
    ("text", "intent", "entity", "resolves", "kind"),
    [
        ("Emmen", "inform_location", True, True, PLACE),
        ("9712 CP", "inform_location", True, True, PLACE),
        ("emmn", "nlu_fallback", False, True, PLACE),
        ("Zuidbroek", "nlu_fallback", False, False, PLACE),  # not a municipality: ask again
        ("😢", "nlu_fallback", False, False, STEP_OUT),
        ("😭😭", "feeling", False, False, STEP_OUT),
        ("groetjes, Anja", "goodbye", False, False, STEP_OUT),
        ("groetjes, Anja", "nlu_fallback", False, False, STEP_OUT),
        ("- Anja", "out_of_scope", False, False, STEP_OUT),
        ("laat maar", "deny", False, False, STEP_OUT),
        ("wat moet ik nu doen??", "next_step", False, False, STEP_OUT),
        ("ik heb ook een deurwaarder", "debt_collector", False, False, STEP_OUT),
        ("Can you speak English?", "choose_language", False, False, STEP_OUT),
        ("/oude_knop", "stale_choice", False, False, STEP_OUT),
        ("??", "confused", False, False, STAY),
        ("ja", "affirm", False, False, STAY),
        ("hoi", "greet", False, False, STAY),
        ("Assen", "debt_help", False, True, PLACE),  # a real place wins over a shaky topic
    ],
)
def test_location_reply_kind(
    text: str, intent: str, entity: bool, resolves: bool, kind: str
) -> None:
    assert reply_kind(text, intent, entity, resolves) == kind


def test_an_unsure_short_reply_is_a_place_to_look_up() -> None:
    assert reply_kind("Parijs", "food_basic_needs", False, False, confidence=0.45) == PLACE
    assert reply_kind("schulden", "debt_help", False, False, confidence=0.97) == STEP_OUT
    assert reply_kind("laat maar", "deny", False, False, confidence=0.4) == STEP_OUT


def test_place_shapes() -> None:
    assert looks_like_place("Súdwest-Fryslân") and looks_like_place("ik woon in de bilt")
    assert not looks_like_place("groeten van Jan") and not looks_like_place("mvg")
    assert not looks_like_place("waar?") and not looks_like_place("🙂")
    assert is_sad("😢") and is_sad("😭😭 ...") and not is_sad("🙂") and not is_sad("ik 😢")
