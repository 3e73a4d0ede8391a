"""Answer a resident who writes in English: honest that the assistant speaks Dutch, a person.

The NLU marks each parse with `language` (rasa_addons.language_guard). The first English message
gets the full answer (Dutch only for now, a person may help in English, Geldfit); later ones a
short reminder with the same buttons. Texts live in `domain/english.yml`.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

SLOT_ENGLISH = "english_answers"


def wrote_english(tracker: Tracker) -> bool:
    """True when the NLU marked the latest message as English."""
    return (tracker.latest_message or {}).get("language") == "en"


def answer_in_english(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Send the English answer (full the first time, short after) and count it."""
    count = float(tracker.get_slot(SLOT_ENGLISH) or 0.0)
    dispatcher.utter_message(response="utter_english" if count < 1 else "utter_english_again")
    return [SlotSet(SLOT_ENGLISH, count + 1)]


class ActionEnglish(Action):
    """A message in English, or a request to speak English."""

    def name(self) -> str:
        return "action_english"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return answer_in_english(dispatcher, tracker)
