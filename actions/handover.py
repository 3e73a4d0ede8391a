"""Decide on a handover to a person; the gateway carries it out (docs/architecture.md).

Except in a crisis, the resident chooses: the assistant offers, never forces.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    KIND_COUNSELLOR,
    KIND_PEER,
    PROBLEM_TOPICS,
    REASON_ASKED,
    REASON_CRISIS,
    REASON_DISTRUST,
    SLOT_HANDOVER_KIND,
    SLOT_HANDOVER_REASON,
    SLOT_MUNICIPALITY_CODE,
    SLOT_MUNICIPALITY_NAME,
    SLOT_OFFERS,
    SLOT_TOLD,
    SLOT_TOPICS,
    SLOT_URGENCY,
)
from actions.conversation_state import latest_intent, list_slot, suggested_choices
from actions.safety import crisis_followup
from actions.urgency import detect_urgency

SECOND_TOPIC_CONFIDENCE = 0.25  # a topic further down the ranking still counts from this sure
# an urgency flag also names its topic (a second problem is not missed)
TOPIC_OF_FLAG = {
    "eviction": "rent_housing",
    "cutoff": "energy_water",
    "bailiff": "debt_collector",
    "no_food": "food_basic_needs",
}

_INTRO_FOR_REASON = {
    REASON_ASKED: "utter_ask_human_intro",
    REASON_DISTRUST: "utter_offer_human_trust",
}


def reason_for_offer(intent: str | None) -> str:
    """Why a person is offered, from the intent that led to the offer."""
    if intent in {"privacy_trust", "bot_challenge"}:
        return REASON_DISTRUST
    return REASON_ASKED


def conversation_topics(tracker: Tracker) -> list[str]:
    """Every problem topic of the conversation, in order: the slot, each message's intent and
    the runners-up in its ranking, and the topics that urgency flags point at."""
    topics = list_slot(tracker, SLOT_TOPICS)

    def add(name: str | None) -> None:
        if name in PROBLEM_TOPICS and name not in topics:
            topics.append(name)

    for event in tracker.events:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        add((parse.get("intent") or {}).get("name"))
        for ranked in parse.get("intent_ranking") or []:
            if float(ranked.get("confidence") or 0.0) >= SECOND_TOPIC_CONFIDENCE:
                add(ranked.get("name"))
        for flag in detect_urgency(event.get("text")):
            add(TOPIC_OF_FLAG.get(flag))
    return topics


def conversation_flags(tracker: Tracker) -> list[str]:
    """Urgency flags of every message of the conversation (not only the topic answers)."""
    flags = list_slot(tracker, SLOT_URGENCY)
    for event in tracker.events:
        if event.get("event") == "user":
            flags += [f for f in detect_urgency(event.get("text")) if f not in flags]
    return flags


def build_summary(tracker: Tracker) -> dict[str, Any]:
    """A short structured summary for the human who takes over (the gateway adds the
    resident's own key sentences, redacted, from its transcript)."""
    return {
        "topics": conversation_topics(tracker),
        "municipality_code": tracker.get_slot(SLOT_MUNICIPALITY_CODE),
        "municipality_name": tracker.get_slot(SLOT_MUNICIPALITY_NAME),
        "urgency_flags": conversation_flags(tracker),
        "told": list_slot(tracker, SLOT_TOLD),
        "suggested": suggested_choices(tracker),
        "offers": list_slot(tracker, SLOT_OFFERS),
    }


class ActionOfferHuman(Action):
    """Offer a person: a counsellor or a lived-experience expert, or not now."""

    def name(self) -> str:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reason = reason_for_offer(latest_intent(tracker))
        intro = _INTRO_FOR_REASON.get(reason)
        if intro:
            dispatcher.utter_message(response=intro)
        dispatcher.utter_message(response="utter_offer_human")
        offers = list_slot(tracker, SLOT_OFFERS)
        if reason not in offers:
            offers.append(reason)
        return [SlotSet(SLOT_HANDOVER_REASON, reason), SlotSet(SLOT_OFFERS, offers)]


class ActionHandover(Action):
    """Ask the gateway to hand the chat to a person, with kind, reason and a summary."""

    def name(self) -> str:
        return "action_handover"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        crisis = intent == "crisis"
        if intent == "choose_peer":
            kind: str | None = KIND_PEER
        elif intent == "choose_counsellor":
            kind = KIND_COUNSELLOR
        else:
            kind = tracker.get_slot(SLOT_HANDOVER_KIND)
        if crisis:
            reason = REASON_CRISIS
        else:
            reason = tracker.get_slot(SLOT_HANDOVER_REASON) or REASON_ASKED
            kind = kind or KIND_COUNSELLOR
        summary = build_summary(tracker)
        urgent = crisis or bool(summary["urgency_flags"])
        if crisis:
            # after utter_crisis: the local route for a night's sleep, a line about money
            await crisis_followup(dispatcher, tracker)
            dispatcher.utter_message(response="utter_handover_crisis")
        elif kind == KIND_PEER:
            dispatcher.utter_message(response="utter_handover_peer")
        else:
            dispatcher.utter_message(response="utter_handover_counsellor")
        decision: dict[str, Any] = {
            "kind": kind,
            "reason": reason,
            "urgent": urgent,
            "summary": summary,
        }
        if crisis:  # the safety layer's kind, so attending can answer this kind later on
            safety = (tracker.latest_message or {}).get("safety") or {}
            decision["crisis_kind"] = safety.get("kind") if isinstance(safety, dict) else None
        dispatcher.utter_message(json_message={"handover": decision})
        return [SlotSet(SLOT_HANDOVER_REASON, None)]
