"""A plea for the next step ("wat moet ik nu doen??"): one small step, never a goodbye.

Before any topic: ask in a few words what worries the resident. After a topic answer: say one
small step is enough and offer the choices (local help, a person, something else).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import SLOT_TOPICS
from actions.conversation_state import list_slot


class ActionNextStep(Action):
    """Answer "wat moet ik nu doen?" with a small next step that fits the conversation so far."""

    def name(self) -> str:
        return "action_next_step"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if list_slot(tracker, SLOT_TOPICS):
            dispatcher.utter_message(response="utter_next_step_after_topic")
        else:
            dispatcher.utter_message(response="utter_next_step_start")
        return []
