"""Read what the conversation so far says, from the tracker (no hidden state)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.constants import FALLBACK_INTENTS
from actions.knowledge import KB_PREFIX
from actions.scope import pointed_place


def latest_intent(tracker: Tracker) -> str | None:
    """Name of the intent of the latest user message."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name")


def latest_text(tracker: Tracker) -> str:
    """Text of the latest user message ('' for button payloads)."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def list_slot(tracker: Tracker, name: str) -> list[Any]:
    """A list slot's value, never None."""
    value = tracker.get_slot(name)
    return list(value) if isinstance(value, list) else []


def fallbacks_in_a_row(tracker: Tracker) -> int:
    """How many of the latest user messages in a row were not understood.

    An out-of-scope question about rights or a municipal service was understood (it got a
    pointer to the right place), so it ends the row like any other understood message.
    A message that fell back but was answered from the knowledge base (a follow-up question
    about the topic just answered, actions/follow_up.py) was understood too.
    """
    count = 0
    answered = False  # the turn after the user message reached next got an entry's answer
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            said = str((event.get("metadata") or {}).get("utter_action") or "")
            answered = answered or said.startswith(KB_PREFIX)
            continue
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name not in FALLBACK_INTENTS or answered:
            break
        if pointed_place(event.get("parse_data"), event.get("text")):
            break
        count += 1
    return count


def suggested_choices(tracker: Tracker) -> list[str]:
    """Intents the assistant offered as buttons so far (e.g. `find_local_help`), in order."""
    suggested: list[str] = []
    for event in tracker.events:
        if event.get("event") != "bot":
            continue
        for button in (event.get("data") or {}).get("buttons") or []:
            payload = str(button.get("payload") or "")
            name = payload[1:].split("{", 1)[0] if payload.startswith("/") else ""
            if name and name != "deny" and name not in suggested:
                suggested.append(name)
    return suggested
