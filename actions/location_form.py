"""The location form: where the resident lives, asked only when they want local help.

Resolves what the resident typed to a municipality or postcode (bot.directory's resolver);
one kind retry, then national help. Only what could be a place is taken as one
(actions/location_reply.py): the form explains why it asks after "??" or "ja", and steps out
kindly for anything else (a topic question, "laat maar", emoji, a signature, English, an old
button), leaving the answer to the dialogue rules in stories/local_help.yml. Texts live in
`domain/local_help.yml` and `domain/location.yml`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.constants import SLOT_MUNICIPALITY_CODE, SLOT_MUNICIPALITY_NAME
from actions.conversation_state import latest_intent
from actions.location_reply import PLACE, STEP_OUT, is_sad, reply_kind
from actions.resources import resolver
from bot.directory.resolver import AMBIGUOUS, FOUND, Resolution

logger = logging.getLogger(__name__)
MAX_LOCATION_ATTEMPTS = 2
NOT_A_PLACE = {"crisis", "ask_human", "cancel_handover", "forget_me", "goodbye", "something_else"}


def _entity_value(tracker: Tracker) -> str | None:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") in ("municipality", "postcode") and entity.get("value"):
            return str(entity["value"])
    return None


def _answered_just_now(tracker: Tracker) -> bool:
    """True on the first validation after the resident's message (not when the form resumes)."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind in ("bot", "action_execution_rejected"):
            return False
    return False


async def _resolve(text: str) -> Resolution:
    try:
        return (await resolver()).resolve(text)
    except (SQLAlchemyError, OSError, TimeoutError):
        logger.exception("location lookup failed")
        return Resolution("unknown")


class ValidateLocationForm(FormValidationAction):
    """Resolve what the resident typed to a municipality; one kind retry, then national help."""

    def name(self) -> str:
        return "validate_location_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Reject the form for a reply that is no place, so the dialogue rules answer it."""
        if tracker.get_slot("requested_slot") == "location_input" and _answered_just_now(tracker):
            message = tracker.latest_message or {}
            text = str(message.get("text") or "")
            resolution = await _resolve(text) if text and not text.startswith("/") else None
            kind = reply_kind(
                text,
                latest_intent(tracker),
                _entity_value(tracker) is not None,
                resolution is not None and resolution.status in (FOUND, AMBIGUOUS),
                float((message.get("intent") or {}).get("confidence") or 0.0),
            )
            if kind != PLACE:
                events: list[dict[str, Any]] = [SlotSet("location_input", None)]
                if kind == STEP_OUT:
                    events += [SlotSet("location_asked", False), SlotSet("location_attempts", 0.0)]
                return [*events, ActionExecutionRejected("location_form")]
        return await super().run(dispatcher, tracker, domain)

    async def extract_location_input(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        """Use a place named in the message that started the search ("hulp in Emmen")."""
        if latest_intent(tracker) in NOT_A_PLACE:
            return {}
        if (
            tracker.get_slot("requested_slot") is None
            and tracker.get_slot("location_input") is None
        ):
            value = _entity_value(tracker)
            if value or latest_intent(tracker) == "inform_location":
                text = (tracker.latest_message or {}).get("text") or ""
                return {"location_input": value or text}
        return {}

    async def validate_location_input(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        """Set the municipality, ask to choose between two, or retry once."""
        text = _entity_value(tracker) or (str(value) if value else "")
        result = await _resolve(text)
        if result.status == FOUND and result.place:
            return {
                "location_input": text,
                SLOT_MUNICIPALITY_CODE: result.place.code,
                SLOT_MUNICIPALITY_NAME: result.place.name,
                "location_attempts": 0.0,
                "location_national": False,
            }
        if result.status == AMBIGUOUS:
            buttons = [
                {
                    "title": p.name[:20],
                    "payload": "/inform_location" + json.dumps({"municipality": p.code}),
                }
                for p in result.places[:3]
            ]
            dispatcher.utter_message(
                response="utter_location_choose",
                postcode_or_name=result.postcode or text.strip()[:40],
                buttons=buttons,
            )
            return {"location_input": None}
        attempts = (tracker.get_slot("location_attempts") or 0.0) + 1
        if attempts < MAX_LOCATION_ATTEMPTS:
            dispatcher.utter_message(response="utter_location_unknown")
            return {"location_input": None, "location_attempts": attempts}
        dispatcher.utter_message(response="utter_location_national")
        return {
            "location_input": text or "-",
            SLOT_MUNICIPALITY_CODE: None,
            "location_national": True,
            "location_attempts": 0.0,
        }


class ActionAskLocationInput(Action):
    """Ask where the resident lives, saying why, only the first time in a search."""

    def name(self) -> str:
        return "action_ask_location_input"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("location_asked"):
            return []  # the validator just asked again, kindly and shortly
        dispatcher.utter_message(response="utter_ask_location_input")
        return [SlotSet("location_asked", True)]


class ActionLocationStepOut(Action):
    """Step out of the location question kindly when the reply was no place at all."""

    def name(self) -> str:
        return "action_location_step_out"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = str((tracker.latest_message or {}).get("text") or "")
        if is_sad(text):
            dispatcher.utter_message(response="utter_feeling")
        else:
            dispatcher.utter_message(response="utter_location_not_a_place")
        return [SlotSet("location_asked", False), SlotSet("location_attempts", 0.0)]
