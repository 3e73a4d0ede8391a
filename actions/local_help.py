"""Find local help for the resident's municipality (set by the location form), and show it.

Local first, and said so: every option says whether it is in the resident's municipality, in
the region or national. Walk-in places come first when the resident asks where to go. No food,
no money for rent or energy: the concrete route (food bank finder, the municipality's number)
comes before the list. Texts come from the domain (`domain/local_help.yml`); the actions only
fill in data. Database work is async with a timeout, so a slow database never blocks the server.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.constants import (
    SLOT_MUNICIPALITY_CODE,
    SLOT_TOPICS,
    SLOT_URGENCY,
)
from actions.conversation_state import list_slot
from actions.resources import catalog, database
from actions.urgency import detect_urgency
from bot.directory.places import display_name, slug
from bot.directory.repository import HelpOption, Place, find_help, place_of, service_by_id
from bot.settings import load_settings

logger = logging.getLogger(__name__)
PAGE_SIZE = 3
DB_TIMEOUT = 5.0
PROBLEM_TOPICS_FALLBACK = ["debt_help"]
FOOD_ROUTE = "voedselbank_in_de_buurt"
FOOD = "food_basic_needs"
NO_FOOD = "no_food"
# topics where the municipality can help the same day when there is no money left
URGENT_MONEY_TOPICS = {FOOD, "income_support", "rent_housing", "energy_water"}
# "where can I go?": until the NLU has an intent or entity for it (see docs/directory.md)
WALK_IN_WORDS = re.compile(
    r"zonder\s+afspraak|inloop|\blangs\s*(?:komen|gaan|lopen)?\b|langskomen|langsgaan|"
    r"binnen\s*lopen|binnenlopen|spreekuur|loket|\bwaar\s+kan\s+ik\s+(?:naar\s*)?(?:toe|heen)\b",
    re.IGNORECASE,
)
WALK_IN_ENTITY_VALUES = {"walk_in", "inloop", "zonder_afspraak"}


@dataclass(frozen=True)
class Found:
    """What the directory gave for this conversation."""

    options: list[HelpOption]
    place: Place | None
    food_route: str | None  # web page of the food bank finder


def wants_walk_in(tracker: Tracker) -> bool:
    """True when the resident asked where to go, since the last time help was shown."""
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") == "action_find_local_help":
            break
        if event.get("event") != "user":
            continue
        text = str(event.get("text") or "")
        entities = (event.get("parse_data") or {}).get("entities") or []
        if not text.startswith("/") and WALK_IN_WORDS.search(text):
            return True
        if any(
            e.get("entity") == "help_kind" and e.get("value") in WALK_IN_ENTITY_VALUES
            for e in entities
        ):
            return True
    return False


def _topics(tracker: Tracker) -> list[str]:
    topics = [t for t in list_slot(tracker, SLOT_TOPICS) if t not in ("crisis", "ask_human")]
    return topics or PROBLEM_TOPICS_FALLBACK


def _no_food(tracker: Tracker, topics: list[str]) -> bool:
    """True when the resident has no food: the topic, the urgency flag, or what they wrote.

    A message like "we hebben niks te eten" may be answered by the crisis layer (kind
    ``no_food``) instead of the topic answer, so the tracker's own messages are read too.
    """
    if topics[0] == FOOD or NO_FOOD in list_slot(tracker, SLOT_URGENCY):
        return True
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        safety = (event.get("parse_data") or {}).get("safety") or {}
        text = str(event.get("text") or "")
        if safety.get("kind") == NO_FOOD or (
            not text.startswith("/") and NO_FOOD in detect_urgency(text)
        ):
            return True
    return False


async def _find(tracker: Tracker, *, walk_in_first: bool) -> Found:
    factory = await database()
    topics = _topics(tracker)
    if _no_food(tracker, topics) and FOOD not in topics:
        topics = [FOOD, *topics]

    async def query() -> Found:
        async with factory() as session:
            code = tracker.get_slot(SLOT_MUNICIPALITY_CODE)
            options = await find_help(
                session, code, topics, today=date.today(), walk_in_first=walk_in_first
            )
            route = await service_by_id(session, FOOD_ROUTE)
            return Found(options, await place_of(session, code), route.website if route else None)

    return await asyncio.wait_for(query(), timeout=DB_TIMEOUT)


def _how(option: HelpOption) -> str:
    """How to reach a service today, in the domain's words; walk-in first."""
    s, texts, lines = option.service, catalog(), []
    if option.municipality_phone:
        return texts.render(
            "utter_help_how_via_municipality", phone=option.municipality_phone, name=s.name
        ).text
    if s.walk_in and s.address:
        place = f"{s.walk_in}, {s.address}"
        lines.append(texts.render("utter_help_how_walk_in", walk_in=place).text)
    if s.phone:
        lines.append(texts.render("utter_help_how_phone", phone=s.phone).text)
    if s.chat:
        lines.append(texts.render("utter_help_how_chat", chat=s.chat).text)
    if s.website:
        lines.append(texts.render("utter_help_how_website", website=s.website).text)
    return "\n".join(lines)


def _where(option: HelpOption, place: Place | None) -> str:
    texts = catalog()
    if option.tier == "municipality" and place:
        name = display_name(place.code, place.name)
        return texts.render("utter_help_where_local", municipality_name=name).text
    if option.tier == "regional":
        return texts.render("utter_help_where_regional").text
    return texts.render("utter_help_where_national").text


def show_options(
    dispatcher: CollectingDispatcher, options: list[HelpOption], place: Place | None
) -> None:
    """One message per option; an entry not checked is never shown as a fact."""
    for option in options:
        response = "utter_help_option" if option.checked else "utter_help_option_check"
        dispatcher.utter_message(
            response=response,
            name=option.service.name,
            where=_where(option, place),
            what=option.service.description,
            how=_how(option),
        )


def plan_hint(dispatcher: CollectingDispatcher, options: list[HelpOption]) -> None:
    """Tell the gateway which help was shown with its number (a plan step may name it; the
    number is the directory's, exactly as the resident saw it). Not shown to the resident."""
    shown = [
        {"name": o.service.name, "phone": o.service.phone}
        for o in options
        if o.checked and o.service.phone
    ]
    if shown:
        dispatcher.utter_message(json_message={"plan_help": shown})


def _page_url(place: Place) -> str:
    return f"{load_settings().public_url.rstrip('/')}/hulp/{slug(place.code, place.name)}"


class ActionFindLocalHelp(Action):
    """Show the concrete route, then up to three options: local first, and said so."""

    def name(self) -> str:
        return "action_find_local_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("location_asked", False), SlotSet("location_input", None)]
        walk_in = wants_walk_in(tracker)
        try:
            found = await _find(tracker, walk_in_first=walk_in)
        except (SQLAlchemyError, OSError, TimeoutError):
            logger.exception("directory lookup failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
            return reset
        place, topics = found.place, _topics(tracker)
        name = display_name(place.code, place.name) if place else None
        options = found.options
        if _no_food(tracker, topics) and found.food_route:
            dispatcher.utter_message(response="utter_help_route_food", website=found.food_route)
            options = [o for o in options if o.service.id != FOOD_ROUTE]
        if place and place.phone and (URGENT_MONEY_TOPICS & set(topics)):
            dispatcher.utter_message(
                response="utter_help_route_municipality", municipality_name=name, phone=place.phone
            )
        if place:
            local = [o for o in options if o.tier == "municipality"]
            intro = "utter_local_help_intro" if local else "utter_help_no_local"
            dispatcher.utter_message(response=intro, municipality_name=name)
        else:
            dispatcher.utter_message(response="utter_national_help_intro")
        if walk_in:
            has_walk_in = bool(options and options[0].walk_in)
            if has_walk_in:
                dispatcher.utter_message(response="utter_help_walk_in_intro")
            else:
                where = (
                    catalog().render("utter_help_where_local", municipality_name=name)
                    if name
                    else catalog().render("utter_help_where_national")
                )
                dispatcher.utter_message(response="utter_help_no_walk_in", where=where.text)
        page = options[:PAGE_SIZE]
        show_options(dispatcher, page, place)
        plan_hint(dispatcher, page)
        more = len(options) > PAGE_SIZE
        if place:  # the whole picture of the municipality's help, on one page
            dispatcher.utter_message(
                response="utter_help_more_page" if more else "utter_help_after_page",
                municipality_name=name,
                url=_page_url(place),
            )
        else:
            dispatcher.utter_message(response="utter_help_more" if more else "utter_help_after")
        return [
            *reset,
            SlotSet("help_shown", float(len(page))),
            SlotSet("help_walk_in", walk_in),
        ]


class ActionMoreHelp(Action):
    """Show the next three help options ("meer"), in the same order as before."""

    def name(self) -> str:
        return "action_more_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        shown = int(tracker.get_slot("help_shown") or 0)
        try:
            found = await _find(tracker, walk_in_first=bool(tracker.get_slot("help_walk_in")))
        except (SQLAlchemyError, OSError, TimeoutError):
            logger.exception("directory lookup failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
            return []
        options = found.options
        if _no_food(tracker, _topics(tracker)) and found.food_route:
            options = [o for o in options if o.service.id != FOOD_ROUTE]
        page = options[shown : shown + PAGE_SIZE]
        if not page:
            dispatcher.utter_message(response="utter_help_no_more")
            return []
        show_options(dispatcher, page, found.place)
        plan_hint(dispatcher, page)
        more = len(options) > shown + PAGE_SIZE
        dispatcher.utter_message(response="utter_help_more" if more else "utter_help_after")
        return [SlotSet("help_shown", float(shown + len(page)))]
