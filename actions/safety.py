"""The safety layer in the custom actions: the kind of a crisis, and the gentle line.

Rasa's CrisisGuard puts ``"safety": {"tier", "kind"}`` on every parse; when a parse has none
(a message parsed before the component was there), the shared rules decide from the text.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from rasa_addons.safety_rules import (
    CERTAIN,
    KINDS,
    POSSIBLE,
    TIERS,
    Assessment,
    assess,
    stronger,
)

SLOT_CRISIS_KIND = "crisis_kind"
CRISIS_GENERIC = "utter_crisis"
POSSIBLE_LINE = "utter_crisis_possible"
# Written out in full so that scripts/validate.py can see which responses code uses.
CRISIS_RESPONSES = {
    "suicide": "utter_crisis_suicide",
    "violence": "utter_crisis_violence",
    "loan_shark": "utter_crisis_loan_shark",
    "homeless": "utter_crisis_homeless",
    "no_food": "utter_crisis_no_food",
}
# The gentle line is not repeated while it is still on the screen: not again within this many
# of the resident's messages.
POSSIBLE_LINE_GAP = 3


def latest_safety(tracker: Tracker) -> Assessment:
    """The safety layer's view of the latest user message (the parse's, or the rules' own)."""
    parse = tracker.latest_message or {}
    text = str(parse.get("text") or "")
    found = assess(text)
    safety = parse.get("safety")
    if isinstance(safety, dict) and safety.get("tier") in TIERS:
        kind = safety.get("kind")
        found = stronger(found, Assessment(str(safety["tier"]), kind if kind in KINDS else None))
    intent = (parse.get("intent") or {}).get("name")
    if intent == "crisis" and found.tier != CERTAIN:
        # the crisis intent without a text to screen (a test story, a button): a crisis
        found = Assessment(CERTAIN, found.kind, "intent")
    return found


def crisis_response(kind: str | None) -> str:
    """The name of the crisis answer for ``kind`` (the general one when the kind is unknown)."""
    return CRISIS_RESPONSES.get(kind or "", CRISIS_GENERIC)


def _line_shown_recently(tracker: Tracker) -> bool:
    user_messages = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            user_messages += 1
            if user_messages > POSSIBLE_LINE_GAP:
                return False
        elif kind == "bot" and (event.get("metadata") or {}).get("utter_action") == POSSIBLE_LINE:
            return True
    return False


def add_possible_crisis_line(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """After a topic answer: the gentle 113/112 line when the message may be a crisis.

    Args:
        dispatcher: the calling action's dispatcher.
        tracker: the conversation.

    Returns:
        True when the line was added (once: not again while it was shown in the last few turns).
    """
    if latest_safety(tracker).tier != POSSIBLE or _line_shown_recently(tracker):
        return False
    dispatcher.utter_message(response=POSSIBLE_LINE)
    return True


class ActionCrisisKind(Action):
    """Fill the slot ``crisis_kind`` for a crisis message, so utter_crisis fits the crisis.

    Rasa runs it from the slot's mapping (domain/safety.yml) for messages with the intent
    `crisis`, before it answers; ``None`` gives the general crisis answer.
    """

    def name(self) -> str:
        return "action_crisis_kind"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [SlotSet(SLOT_CRISIS_KIND, latest_safety(tracker).kind)]
