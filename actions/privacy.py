"""Privacy actions: the honest answer to "wie leest dit?" from the settings, and "verwijder mijn
gegevens" (erased only on a yes that answers the question just asked)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import SLOT_MUNICIPALITY_CODE
from bot.privacy.answer import privacy_values
from bot.settings import Settings, load_settings

CONFIRM_QUESTION = "utter_forget_me_confirm"


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return load_settings()


def asked_just_before(tracker: Tracker, action: str) -> bool:
    """True when ``action`` was the assistant's last action before the resident's last message."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return False
            seen_user = True
        elif seen_user and kind == "action" and event.get("name") != "action_listen":
            return bool(event.get("name") == action)
    return False


class ActionForgetMe(Action):
    """On the yes: confirm what is erased and ask the gateway to erase (payload `forget_me`)."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not asked_just_before(tracker, CONFIRM_QUESTION):
            # an old button or a typed "ja wis alles" out of the blue: ask first, erase nothing
            dispatcher.utter_message(response=CONFIRM_QUESTION)
            return []
        dispatcher.utter_message(response="utter_forget_me_done")
        dispatcher.utter_message(json_message={"forget_me": True})
        return [AllSlotsReset()]


class ActionPrivacy(Action):
    """Who reads along, how long the chat is kept (this municipality's retention), what is never
    passed on: `utter_privacy` filled in from the settings."""

    def name(self) -> str:
        return "action_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        code = tracker.get_slot(SLOT_MUNICIPALITY_CODE)
        values = privacy_values(_settings(), str(code) if code else None)
        dispatcher.utter_message(response="utter_privacy", **values)
        return []
