"""The safety layer in the custom actions: the kind of a crisis, its local route, the gentle line.

Rasa's CrisisGuard puts ``"safety": {"tier", "kind", "distress"}`` on every parse; when a parse
has none (a message parsed before the component was there), the shared rules decide from the
text. ``utter_crisis`` is rendered by Rasa itself (it works with the action server down); after
it, ``crisis_followup`` adds what only data can say: the municipality's route for a night's
sleep, and one line about money for financial abuse.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from rasa_addons.safety_rules import (
    CERTAIN,
    FINANCIAL_ABUSE,
    HOMELESS,
    KINDS,
    NO_FOOD,
    POSSIBLE,
    TIERS,
    Assessment,
    assess,
    stronger,
)

logger = logging.getLogger(__name__)

SLOT_CRISIS_KIND = "crisis_kind"
CRISIS_GENERIC = "utter_crisis"
POSSIBLE_LINE = "utter_crisis_possible"
# Written out in full so that scripts/validate.py can see which responses code uses.
CRISIS_RESPONSES = {
    "suicide": "utter_crisis_suicide",
    "violence": "utter_crisis_violence",
    "financial_abuse": "utter_crisis_financial_abuse",
    "loan_shark": "utter_crisis_loan_shark",
    "homeless": "utter_crisis_homeless",
    "no_food": "utter_crisis_no_food",
    "distress": "utter_crisis_gentle",
}
# The gentle line of the possible tier: the 113 line, except for a kind with help of its own,
# asked as a question ("Pakt iemand je geld af, of sluit iemand leningen af op jouw naam?
# Veilig Thuis helpt ook daarbij ..."): money taken by a partner is not a matter for 113. Maybe
# no food today gets no line: it is urgent, and the topic answer offers a person soon.
POSSIBLE_LINES: dict[str, str | None] = {
    FINANCIAL_ABUSE: CRISIS_RESPONSES["financial_abuse"],
    NO_FOOD: None,
}
# utter_crisis has a variation per kind of domain/safety.yml; a newer kind uses its family's
# variation there and gets the rest from crisis_followup (domain/safety_more.yml).
UTTER_CRISIS_VARIATION = {"financial_abuse": "violence", "distress": None}
FINANCIAL_ABUSE_MORE = "utter_crisis_financial_abuse_more"
HOMELESS_SERVICE = "utter_crisis_homeless_service"
HOMELESS_MUNICIPALITY = "utter_crisis_homeless_municipality"
# a local service of the category crisis is a place for the night when it says so
SHELTER_WORDS = re.compile(
    r"opvang|nachtopvang|slaapplek|slaapplaats|overnacht|centrale toegang|dak boven", re.I
)
DB_TIMEOUT = 5.0
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
        said = Assessment(
            str(safety["tier"]),
            kind if kind in KINDS else None,
            distress=bool(safety.get("distress")),
        )
        found = stronger(found, said)
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
        elif kind == "bot" and (event.get("metadata") or {}).get("utter_action") in (
            POSSIBLE_LINE,
            *filter(None, POSSIBLE_LINES.values()),
        ):
            return True
    return False


def add_possible_crisis_line(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """After a topic answer: the gentle 113/112 line when the message may be a crisis (for
    possible financial abuse the Veilig Thuis question instead, for no food none: ``POSSIBLE_LINES``).

    Args:
        dispatcher: the calling action's dispatcher.
        tracker: the conversation.

    Returns:
        True when the line was added (once: not again while it was shown in the last few turns).
    """
    found = latest_safety(tracker)
    line = POSSIBLE_LINES.get(found.kind or "", POSSIBLE_LINE)
    if found.tier != POSSIBLE or line is None or _line_shown_recently(tracker):
        return False
    dispatcher.utter_message(response=line)
    return True


async def _local_route(code: str) -> tuple[Any, Any]:
    """The municipality's place for the night (a local crisis service that says so) and the
    municipality itself (its general number), from the directory."""
    from actions.resources import database
    from bot.directory.repository import find_help, place_of

    factory = await database()

    async def query() -> tuple[Any, Any]:
        async with factory() as session:
            place = await place_of(session, code)
            options = await find_help(session, code, ["crisis"], today=date.today())
            shelters = [
                o
                for o in options
                if o.tier != "national"
                and (o.service.phone or o.service.walk_in)
                and SHELTER_WORDS.search(f"{o.service.name} {o.service.description}")
            ]
            return (shelters[0] if shelters else None), place

    return await asyncio.wait_for(query(), timeout=DB_TIMEOUT)


async def homeless_route(dispatcher: CollectingDispatcher, code: str | None) -> bool:
    """After the homeless answer: the local place for the night, else the municipality's number.

    Only what the directory holds (never a number made up); nothing when the municipality is
    unknown or has no sourced number (the crisis answer already names the municipality and 112).
    """
    if not code:
        return False
    try:
        shelter, place = await _local_route(code)
    except (SQLAlchemyError, OSError, TimeoutError):
        logger.exception("safety.homeless_route_failed")
        return False
    if shelter is not None:
        how = shelter.service.phone or f"{shelter.service.walk_in}, {shelter.service.address}"
        dispatcher.utter_message(response=HOMELESS_SERVICE, name=shelter.service.name, how=how)
        return True
    if place is not None and place.phone:
        dispatcher.utter_message(
            response=HOMELESS_MUNICIPALITY, municipality_name=place.name, phone=place.phone
        )
        return True
    return False


async def crisis_followup(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After utter_crisis: what the kind's answer needs beyond the domain's variation."""
    kind = latest_safety(tracker).kind
    if kind == FINANCIAL_ABUSE:
        dispatcher.utter_message(response=FINANCIAL_ABUSE_MORE)
    elif kind == HOMELESS:
        await homeless_route(dispatcher, tracker.get_slot("municipality_code"))


class ActionCrisisKind(Action):
    """Fill the slot ``crisis_kind`` for a crisis message, so utter_crisis fits the crisis.

    Rasa runs it from the slot's mapping (domain/safety.yml) for messages with the intent
    `crisis`, before it answers; ``None`` gives the general crisis answer. A kind without its
    own variation in utter_crisis gets its family's (financial abuse: violence, with Veilig
    Thuis); crisis_followup adds the rest.
    """

    def name(self) -> str:
        return "action_crisis_kind"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        kind = latest_safety(tracker).kind
        return [SlotSet(SLOT_CRISIS_KIND, UTTER_CRISIS_VARIATION.get(kind or "", kind))]
