"""The resident's right to be forgotten: confirm, and ask the gateway to delete the chat."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher


class ActionForgetMe(Action):
    """Confirm deletion and emit the `forget_me` payload for the gateway."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_forget_me")
        dispatcher.utter_message(json_message={"forget_me": True})
        return [AllSlotsReset()]
