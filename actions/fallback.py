"""When the assistant did not understand, or the question is not ours: say so, point the way.

A message that was not understood gets one request to say it differently (or, when it was torn
between two money topics, the choice between them: actions/torn_topics.py), then the offer of a
person. A long story or a distressed message that was not understood is thanked for, not called
unclear: the resident is asked what to sort out first, in a few words, or offered a person
(``utter_fallback_story``); "dat begreep ik niet" after someone told their story in a long
message reads as not being heard. An out-of-scope question gets an honest answer that points to
the right place: Het Juridisch Loket for rights, the municipality for its services; chit-chat
the plain answer. A long or distressed message read as out of scope with no place named gets
the story answer, not "daar kan ik je niet mee helpen": on the real dev half most such messages
were hardship told at length (living on little, fear of the next bill), and being turned away
there costs far more than being asked, for a real out-of-scope story, what to sort out first.
A fallback whose best guess was out of scope gets that pointer too when its words name the
place (a landlord torn between "not ours" and rent arrears: Het Juridisch Loket).
All in the conversation's language (the responses' language variants, actions/language.py).
A follow-up without its own subject right after a topic answer ("hoe vraag je dat aan?")
is not a misunderstanding: the topic answer answers it (actions/follow_up.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.constants import (
    FALLBACKS_BEFORE_OFFER,
    OUT_OF_SCOPE_INTENT,
    REASON_BOT_FAILED,
    SLOT_HANDOVER_REASON,
    SLOT_OFFERS,
)
from actions.conversation_state import fallbacks_in_a_row, latest_intent, latest_text, list_slot
from actions.follow_up import follow_up
from actions.language import conversation_language
from actions.scope import LEGAL, MUNICIPAL, pointed_place
from actions.topics import TOPIC_RESPONSES, ActionAnswerTopic
from actions.torn_topics import topic_buttons, torn_topics
from actions.urgency import distressed

# a message of this many words that is not understood is a story told, not a typo or a riddle
STORY_WORDS = 20


def told_a_story(text: str | None) -> bool:
    """A long message, or one in which the safety rules read distress (fear, despair)."""
    return bool(text) and (len(str(text).split()) >= STORY_WORDS or distressed(text))


# Written out in full so that scripts/validate.py can see which responses code uses.
OUT_OF_SCOPE_RESPONSES = {
    LEGAL: "utter_out_of_scope_legal",
    MUNICIPAL: "utter_out_of_scope_municipal",
}


class ActionFallback(Action):
    """Handle a message the assistant could not place, or one that is not about money."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        followed = follow_up(tracker, domain, TOPIC_RESPONSES)
        if followed:
            return await ActionAnswerTopic().answer(dispatcher, tracker, domain, followed)
        out_of_scope = latest_intent(tracker) == OUT_OF_SCOPE_INTENT
        text = latest_text(tracker)
        kind = pointed_place(tracker.latest_message, text)
        if kind in OUT_OF_SCOPE_RESPONSES:
            # understood, only not ours: an honest pointer, not a misunderstanding
            dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSES[kind])
            return []
        if fallbacks_in_a_row(tracker) >= FALLBACKS_BEFORE_OFFER:
            dispatcher.utter_message(response="utter_fallback_twice")
            dispatcher.utter_message(response="utter_offer_human")
            offers = list_slot(tracker, SLOT_OFFERS)
            if REASON_BOT_FAILED not in offers:
                offers.append(REASON_BOT_FAILED)
            return [SlotSet(SLOT_HANDOVER_REASON, REASON_BOT_FAILED), SlotSet(SLOT_OFFERS, offers)]
        torn = None if out_of_scope else torn_topics(tracker.latest_message or {})
        buttons = topic_buttons(torn, domain, conversation_language(tracker)) if torn else []
        if out_of_scope and not told_a_story(text):
            dispatcher.utter_message(response="utter_out_of_scope")
        elif buttons:
            # torn between two money topics: one tap instead of "say it differently"
            dispatcher.utter_message(response="utter_fallback_which_topic", buttons=buttons)
        elif told_a_story(text):
            dispatcher.utter_message(response="utter_fallback_story")
        else:
            dispatcher.utter_message(response="utter_fallback")
        return []
