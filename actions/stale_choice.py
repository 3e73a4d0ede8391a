"""A button Rasa no longer knows (an old message, a changed flow): say so, show today's choices.

Never acts on the unknown payload. The current choices are the buttons of the assistant's latest
message when it had any, otherwise the usual three (local help, a person, something else).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

DEFAULT_CHOICES = [
    {"title": "Hulp in de buurt", "payload": "/find_local_help"},
    {"title": "Praten met iemand", "payload": "/ask_human"},
    {"title": "Iets anders vragen", "payload": "/something_else"},
]


def current_choices(tracker: Tracker) -> list[dict[str, Any]]:
    """The buttons of the assistant's latest message, or the usual three."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return [dict(b) for b in buttons] if buttons else list(DEFAULT_CHOICES)
    return list(DEFAULT_CHOICES)


class ActionStaleChoice(Action):
    """Answer an unknown button payload with "die keuze is er niet meer" and the choices."""

    def name(self) -> str:
        return "action_stale_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_choice_gone", buttons=current_choices(tracker))
        return []
