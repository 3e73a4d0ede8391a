"""A yes after a topic answer: what that answer's question offered.

Some knowledge-base answers end with a question ("Wil je weten hoe je kwijtschelding
aanvraagt?", "Wil je nu met een mens praten?"). A "ja" must get what was offered, not a
question about something else. Each such answer names its yes in the metadata of its Dutch
variant (``after_yes`` in domain/knowledge/*.yml): another entry's id, ``person`` or
``local_help``. The yes then gets
- ``person``, or a person offer in the answer (urgent, complex, distress): "met wie wil je
  praten?" (the counsellor or the lived-experience expert), as before;
- an entry: that entry's answer (in the conversation's language; said once, then the short
  "daar heb ik net al iets over verteld"), and the usual choices;
- ``local_help``: the local-help flow (the question for the place when it is not known yet);
- nothing offered (only the choices were asked): "Natuurlijk. Waar wil je nog meer over praten?"
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import SLOT_MUNICIPALITY_CODE, SLOT_TOLD
from actions.conversation_state import list_slot
from actions.knowledge import KB_PREFIX, REPEAT_RESPONSE, has_language_variant, kb_response

PERSON = "person"
LOCAL_HELP = "local_help"
PERSON_OFFERS = (
    "utter_offer_human",
    "utter_offer_human_urgent",
    "utter_offer_human_complex",
    "utter_offer_human_distress",
)


def said_last_turn(tracker: Tracker) -> list[str]:
    """The responses the assistant said since the message before the latest one, in order."""
    said: list[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            name = (event.get("metadata") or {}).get("utter_action")
            if name:
                said.append(str(name))
    return list(reversed(said))


def offered_yes(said: list[str], domain: dict[str, Any]) -> str | None:
    """What a yes gets after ``said``: ``person``, ``local_help``, an entry id, or None."""
    if any(name in PERSON_OFFERS for name in said):
        return PERSON
    responses = domain.get("responses") or {}
    for name in reversed(said):
        if not name.startswith(KB_PREFIX):
            continue
        for variant in responses.get(name) or []:
            if not variant.get("condition"):
                target = (variant.get("metadata") or {}).get("after_yes")
                return str(target) if target else None
        return None
    return None


class ActionAnswerYes(Action):
    """Give a "ja" after a topic answer what the answer's question offered."""

    def name(self) -> str:
        return "action_answer_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        target = offered_yes(said_last_turn(tracker), domain)
        if target is None:
            dispatcher.utter_message(response="utter_something_else")
            return []
        if target == PERSON:
            dispatcher.utter_message(response="utter_ask_kind")
            return []
        if target == LOCAL_HELP:
            known = tracker.get_slot(SLOT_MUNICIPALITY_CODE)
            return [FollowupAction("action_find_local_help" if known else "location_form")]
        response = kb_response(target)
        told = list_slot(tracker, SLOT_TOLD)
        if response not in (domain.get("responses") or {}) or not has_language_variant(
            domain, response, tracker.get_slot("language")
        ):
            dispatcher.utter_message(response="utter_something_else")
            return []
        if response in told:
            dispatcher.utter_message(response=REPEAT_RESPONSE)
            return []
        dispatcher.utter_message(response=response)
        dispatcher.utter_message(response="utter_offer_options")
        return [SlotSet(SLOT_TOLD, [*told, response])]
