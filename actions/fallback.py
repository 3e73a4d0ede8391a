"""When the assistant did not understand: ask again once, then offer a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    FALLBACKS_BEFORE_OFFER,
    REASON_BOT_FAILED,
    SLOT_HANDOVER_REASON,
    SLOT_OFFERS,
)
from actions.conversation_state import fallbacks_in_a_row, latest_intent, list_slot


class ActionFallback(Action):
    """Handle a message the assistant could not place."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if fallbacks_in_a_row(tracker) >= FALLBACKS_BEFORE_OFFER:
            dispatcher.utter_message(response="utter_fallback_twice")
            dispatcher.utter_message(response="utter_offer_human")
            offers = list_slot(tracker, SLOT_OFFERS)
            if REASON_BOT_FAILED not in offers:
                offers.append(REASON_BOT_FAILED)
            return [SlotSet(SLOT_HANDOVER_REASON, REASON_BOT_FAILED), SlotSet(SLOT_OFFERS, offers)]
        if latest_intent(tracker) == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_fallback")
        return []
