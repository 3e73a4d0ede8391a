"""The conversation's language: kept in the slot `language`, changed only on purpose.

`action_language` is the slots' mapping (domain/language.yml): Rasa runs it for every message,
before it decides what to answer. The language changes when

- the resident chooses one (`/switch_language{"language": "tr"}`: a button, the menu), or
- a *clear* message (rasa_addons/language_id.py: three words or more, sure) is in another of
  the six languages. One or two words ("ja", "ok", "help") never change it. After the resident
  chose a language, Dutch words do not switch back (many write some Dutch); another language does.

Only languages the municipality switched on are used (bot.settings.languages_for; the default
while the municipality is not known). A clear message in a language that is off keeps the
conversation Dutch and gets one line in that language: the chat is in Dutch, Geldfit helps.
The first switch to a language asks once whether to go on in it (`utter_language_offer`).
Those lines come from `action_language_notice`, which the rules run before the answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import SLOT_MUNICIPALITY_CODE
from actions.conversation_state import latest_intent, list_slot
from bot.settings import LANGUAGES, Settings, languages_for, load_settings

DUTCH = "nl"
SLOT_LANGUAGE = "language"
SLOT_NOTICE = "language_notice"
SLOT_NOTICE_KIND = "language_notice_kind"
SLOT_DETECTED = "language_detected"
SLOT_CHOSEN = "language_chosen"
SLOT_OFFERED = "language_offered"
NOTICE_OFFER = "offer"
NOTICE_OFF = "off"
SWITCH_INTENT = "switch_language"
CHOOSE_INTENT = "choose_language"
CRISIS_INTENT = "crisis"
ENTITY = "language"


@lru_cache(maxsize=1)
def _settings() -> Settings:
    return load_settings()


def allowed_languages(tracker: Tracker, settings: Settings | None = None) -> frozenset[str]:
    """The languages switched on for this conversation's municipality (Dutch always)."""
    code = tracker.get_slot(SLOT_MUNICIPALITY_CODE)
    return languages_for(settings or _settings(), str(code) if code else None)


def conversation_language(tracker: Tracker) -> str:
    """The conversation's language now (Dutch when the slot is empty or unknown)."""
    value = tracker.get_slot(SLOT_LANGUAGE)
    return str(value) if value in LANGUAGES else DUTCH


def chosen_language(tracker: Tracker) -> str | None:
    """The language the resident asks for: a `/switch_language{"language": ..}` button, a
    language name typed alone ("Türkçe"), or one named in a request ("kun je Turks praten?").

    In a request (choose_language) Dutch is passed over: "I don't speak Dutch" asks for
    another language, never for Dutch.
    """
    intent = latest_intent(tracker)
    if intent not in (SWITCH_INTENT, CHOOSE_INTENT):
        return None
    named = [
        str(e["value"])
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == ENTITY and e.get("value") in LANGUAGES
    ]
    if intent == CHOOSE_INTENT:
        named = [code for code in named if code != DUTCH]
    return named[0] if named else None


def clear_language(tracker: Tracker) -> str | None:
    """The language of the latest message when it is clear enough to switch, else None."""
    detection = (tracker.latest_message or {}).get("language_detection") or {}
    if not isinstance(detection, dict) or not detection.get("clear"):
        return None
    language = detection.get("language")
    return str(language) if language in LANGUAGES else None


def decide(tracker: Tracker, allowed: frozenset[str]) -> dict[str, Any]:
    """The language slots after the latest message (see the module doc for the rules)."""
    current = conversation_language(tracker)
    chosen = bool(tracker.get_slot(SLOT_CHOSEN))
    offered = list_slot(tracker, SLOT_OFFERED)
    slots: dict[str, Any] = {
        SLOT_LANGUAGE: current,
        SLOT_NOTICE: False,
        SLOT_NOTICE_KIND: None,
        SLOT_DETECTED: tracker.get_slot(SLOT_DETECTED),
        SLOT_CHOSEN: chosen,
        SLOT_OFFERED: offered,
    }
    wanted = chosen_language(tracker)
    if wanted is not None:
        if wanted in allowed:
            slots.update({SLOT_LANGUAGE: wanted, SLOT_CHOSEN: True})
            if wanted not in offered:
                slots[SLOT_OFFERED] = [*offered, wanted]
        else:
            # chosen but switched off here: the conversation stays, the "off" line says why
            slots.update({SLOT_DETECTED: wanted, SLOT_NOTICE: True, SLOT_NOTICE_KIND: NOTICE_OFF})
        return slots
    found = clear_language(tracker)
    if found is None or found == current or (chosen and found == DUTCH):
        return slots
    if found not in allowed:
        if found not in offered:
            slots.update(
                {
                    SLOT_DETECTED: found,
                    SLOT_NOTICE: True,
                    SLOT_NOTICE_KIND: NOTICE_OFF,
                    SLOT_OFFERED: [*offered, found],
                }
            )
        return slots
    slots[SLOT_LANGUAGE] = found
    if found != DUTCH and found not in offered:
        slots.update({SLOT_NOTICE: True, SLOT_NOTICE_KIND: NOTICE_OFFER})
        slots[SLOT_OFFERED] = [*offered, found]
    return slots


class ActionLanguage(Action):
    """The language slots' mapping: runs for every message, before the answer is chosen."""

    def name(self) -> str:
        return "action_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        slots = decide(tracker, allowed_languages(tracker))
        return [SlotSet(name, value) for name, value in slots.items()]


class ActionLanguageNotice(Action):
    """The one line about the language, before the answer (after it in a crisis)."""

    def name(self) -> str:
        return "action_language_notice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kind = tracker.get_slot(SLOT_NOTICE_KIND)
        crisis = latest_intent(tracker) == CRISIS_INTENT
        if kind == NOTICE_OFF:
            dispatcher.utter_message(
                response="utter_language_off_crisis" if crisis else "utter_language_off"
            )
        elif kind == NOTICE_OFFER and not crisis:
            # never buttons that lead away from the crisis answer
            dispatcher.utter_message(response="utter_language_offer")
        return [SlotSet(SLOT_NOTICE, False)]


class ActionChooseLanguage(Action):
    """The language menu, with only the languages switched on here (Dutch always)."""

    def name(self) -> str:
        return "action_choose_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        wanted = chosen_language(tracker)
        if wanted is not None:
            # "kun je Turks praten?": action_language already switched, or found it off here
            if tracker.get_slot(SLOT_NOTICE_KIND) == NOTICE_OFF:
                dispatcher.utter_message(response="utter_language_off")
                return [SlotSet(SLOT_NOTICE, False)]
            if conversation_language(tracker) == wanted:
                dispatcher.utter_message(response="utter_language_switched")
                return []
        allowed = allowed_languages(tracker)
        if allowed >= set(LANGUAGES):
            dispatcher.utter_message(response="utter_choose_language")
            return []
        # the same response, rendered here to leave out the languages that are off
        variant = response_variant(domain, "utter_choose_language", conversation_language(tracker))
        buttons = [
            b
            for b in variant.get("buttons") or []
            if any(f'"{code}"' in str(b.get("payload")) for code in allowed)
        ]
        dispatcher.utter_message(text=str(variant.get("text") or ""), buttons=buttons)
        return []


def response_variant(domain: dict[str, Any], name: str, language: str) -> dict[str, Any]:
    """The variant of response ``name`` for ``language`` (the one without condition: Dutch)."""
    variants = list((domain.get("responses") or {}).get(name) or [])
    for variant in variants:
        for condition in variant.get("condition") or []:
            if condition.get("name") == SLOT_LANGUAGE and condition.get("value") == language:
                return dict(variant)
    plain = [v for v in variants if not v.get("condition") and not v.get("channel")]
    return dict(plain[0]) if plain else {}
