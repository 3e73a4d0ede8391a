"""Answer a topic question, remember the topic, and offer a person when it is urgent or a lot.

The first answer is the knowledge-base entry the question asks when the matcher is sure, else
the topic answer, else an honest "dat weet ik niet precies" (actions/knowledge.py). A tap on a
topic offered for a torn question answers that question (actions/torn_topics.py); a follow-up
without its own subject ("hoe vraag je dat aan") is answered from the topic just answered
(actions/follow_up.py).

The answer comes in the conversation's language: every response has a variant per language
(domain/*.yml, the slot `language`, actions/language.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    COMPLEXITY_TOPIC_COUNT,
    PROBLEM_TOPICS,
    REASON_COMPLEXITY,
    REASON_URGENT,
    SLOT_HANDOVER_REASON,
    SLOT_OFFERS,
    SLOT_TOLD,
    SLOT_TOPICS,
    SLOT_URGENCY,
)
from actions.conversation_state import latest_intent, latest_text, list_slot
from actions.follow_up import FollowUp, follow_up
from actions.knowledge import choose_answer, sure_entry
from actions.safety import add_possible_crisis_line, latest_safety
from actions.torn_topics import torn_question
from actions.urgency import DISTRESS_OFFER, NO_FOOD, detect_urgency, person_offer
from rasa_addons.safety_rules import POSSIBLE

# Written out in full so that scripts/validate.py can see which responses code uses.
TOPIC_RESPONSES = {
    "debt_help": "utter_debt_help",
    "payment_arrears": "utter_payment_arrears",
    "rent_housing": "utter_rent_housing",
    "energy_water": "utter_energy_water",
    "health_insurance": "utter_health_insurance",
    "debt_collector": "utter_debt_collector",
    "benefits_toeslagen": "utter_benefits_toeslagen",
    "income_support": "utter_income_support",
    "food_basic_needs": "utter_food_basic_needs",
    "budgeting_admin": "utter_budgeting_admin",
    "tax_government_debt": "utter_tax_government_debt",
    "work_future": "utter_work_future",
}


def topic_response(topic: str) -> str:
    """The domain response that explains ``topic``."""
    return TOPIC_RESPONSES.get(topic, "utter_debt_help")


class ActionAnswerTopic(Action):
    """Answer the topic of the latest message and choose the follow-up offer."""

    def name(self) -> str:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return await self.answer(dispatcher, tracker, domain)

    async def answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        followed: FollowUp | None = None,
    ) -> list[dict[str, Any]]:
        """The answer; ``followed``: a follow-up the caller found already (action_fallback)."""
        intent = latest_intent(tracker)
        parse = tracker.latest_message or {}
        intent_confidence = (parse.get("intent") or {}).get("confidence")
        # the tap on a topic offered for a torn question answers that question (its words, its
        # entry when the entry is of the chosen topic): actions/torn_topics.py
        question = torn_question(tracker)
        text = str(question.get("text") or "") if question else latest_text(tracker)
        knowledge = (question or parse).get("knowledge")
        # a follow-up without its own subject: the entry of the topic just answered
        if followed is None and not question:
            followed = follow_up(tracker, domain, TOPIC_RESPONSES)
        if followed:
            intent, intent_confidence = followed.topic, None
            knowledge = sure_entry(followed.entry, followed.topic)
        topic = intent if intent in TOPIC_RESPONSES else "debt_help"
        topics = list_slot(tracker, SLOT_TOPICS)
        if topic not in topics:
            topics.append(topic)
        if question and (not isinstance(knowledge, dict) or knowledge.get("topic") != topic):
            knowledge = {}  # an entry of the other topic does not answer the chosen one
        new_flags = detect_urgency(text)
        # maybe no food today (the safety layer's reading, in every language): urgent, a person
        # soon; its possible tier has no 113 line (actions/safety.POSSIBLE_LINES)
        safety = latest_safety(tracker)
        if safety.tier == POSSIBLE and safety.kind == NO_FOOD and NO_FOOD not in new_flags:
            new_flags.append(NO_FOOD)
        flags = list_slot(tracker, SLOT_URGENCY)
        flags += [f for f in new_flags if f not in flags]
        offers = list_slot(tracker, SLOT_OFFERS)
        told = list_slot(tracker, SLOT_TOLD)

        answer = choose_answer(  # the entry, the topic answer or "dat weet ik niet precies"
            topic_response=topic_response(topic),
            intent=intent,
            intent_confidence=intent_confidence,
            knowledge=knowledge,
            told=told,
            language=tracker.get_slot("language"),
            domain=domain,
            text=text,
        )
        for response in answer.responses:
            dispatcher.utter_message(response=response)
        if followed:  # for the gateway: understood with its context (bot/conversations/rasa.py)
            dispatcher.utter_message(json_message={"follow_up": {"topic": followed.topic}})
        told += answer.told
        add_possible_crisis_line(dispatcher, tracker)  # the gentle line, when unsure

        events: list[dict[str, Any]] = []
        problems = [t for t in topics if t in PROBLEM_TOPICS]
        if new_flags and REASON_URGENT not in offers:
            dispatcher.utter_message(response="utter_offer_human_urgent")
            dispatcher.utter_message(response="utter_offer_human")
            offers.append(REASON_URGENT)
            events.append(SlotSet(SLOT_HANDOVER_REASON, REASON_URGENT))
        elif person_offer(text, offers) == DISTRESS_OFFER:  # safety: distressed
            dispatcher.utter_message(response="utter_offer_human_distress")
            dispatcher.utter_message(response="utter_offer_human")
            offers.append(DISTRESS_OFFER)
        elif len(problems) >= COMPLEXITY_TOPIC_COUNT and REASON_COMPLEXITY not in offers:
            dispatcher.utter_message(response="utter_offer_human_complex")
            dispatcher.utter_message(response="utter_offer_human")
            offers.append(REASON_COMPLEXITY)
            events.append(SlotSet(SLOT_HANDOVER_REASON, REASON_COMPLEXITY))
        elif answer.offer_person:  # not sure, or said before: a person instead of the options
            dispatcher.utter_message(response="utter_offer_human")
        else:
            dispatcher.utter_message(response="utter_offer_options")
        return [
            SlotSet(SLOT_TOPICS, topics),
            SlotSet(SLOT_URGENCY, flags),
            SlotSet(SLOT_OFFERS, offers),
            SlotSet(SLOT_TOLD, told),
            *events,
        ]
