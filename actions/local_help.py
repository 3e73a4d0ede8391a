"""Find local help for the resident's municipality (set by the location form), and show it.

Texts come from the domain (`domain/local_help.yml`); the actions only fill in data. Database
work is async with a timeout, so a slow or broken database never blocks the action server.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.constants import SLOT_MUNICIPALITY_CODE, SLOT_MUNICIPALITY_NAME, SLOT_TOPICS
from actions.conversation_state import list_slot
from actions.resources import catalog, database
from bot.directory.repository import HelpOption, find_help

logger = logging.getLogger(__name__)
PAGE_SIZE = 3
DB_TIMEOUT = 5.0
PROBLEM_TOPICS_FALLBACK = ["debt_help"]


def _how(option: HelpOption) -> str:
    """How to reach a service, in the domain's words."""
    s, texts, lines = option.service, catalog(), []
    if s.walk_in:
        place = f"{s.walk_in}, {s.address}" if s.address else s.walk_in
        lines.append(texts.render("utter_help_how_walk_in", walk_in=place).text)
    if s.phone:
        lines.append(texts.render("utter_help_how_phone", phone=s.phone).text)
    if s.chat:
        lines.append(texts.render("utter_help_how_chat", chat=s.chat).text)
    if s.website:
        lines.append(texts.render("utter_help_how_website", website=s.website).text)
    if not lines:
        lines.append(texts.render("utter_help_how_unknown").text)
    return "\n".join(lines)


def _show(dispatcher: CollectingDispatcher, options: list[HelpOption]) -> None:
    for option in options:
        response = "utter_help_option" if option.checked else "utter_help_option_check"
        dispatcher.utter_message(
            response=response,
            name=option.service.name,
            what=option.service.description,
            how=_how(option),
        )


async def _options(tracker: Tracker) -> list[HelpOption]:
    topics = [t for t in list_slot(tracker, SLOT_TOPICS) if t not in ("crisis", "ask_human")]
    factory = await database()

    async def query() -> list[HelpOption]:
        async with factory() as session:
            return await find_help(
                session,
                tracker.get_slot(SLOT_MUNICIPALITY_CODE),
                topics or PROBLEM_TOPICS_FALLBACK,
                today=date.today(),
            )

    return await asyncio.wait_for(query(), timeout=DB_TIMEOUT)


class ActionFindLocalHelp(Action):
    """Show up to three help options: local first, then regional, then national."""

    def name(self) -> str:
        return "action_find_local_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("location_asked", False), SlotSet("location_input", None)]
        try:
            options = await _options(tracker)
        except (SQLAlchemyError, OSError, TimeoutError):
            logger.exception("directory lookup failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
            return reset
        name = tracker.get_slot(SLOT_MUNICIPALITY_NAME)
        if tracker.get_slot(SLOT_MUNICIPALITY_CODE) and name:
            dispatcher.utter_message(response="utter_local_help_intro", municipality_name=name)
        else:
            dispatcher.utter_message(response="utter_national_help_intro")
        _show(dispatcher, options[:PAGE_SIZE])
        more = len(options) > PAGE_SIZE
        dispatcher.utter_message(response="utter_help_more" if more else "utter_help_after")
        return [*reset, SlotSet("help_shown", float(min(PAGE_SIZE, len(options))))]


class ActionMoreHelp(Action):
    """Show the next three help options ("meer")."""

    def name(self) -> str:
        return "action_more_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        shown = int(tracker.get_slot("help_shown") or 0)
        try:
            options = await _options(tracker)
        except (SQLAlchemyError, OSError, TimeoutError):
            logger.exception("directory lookup failed")
            dispatcher.utter_message(response="utter_directory_unavailable")
            return []
        page = options[shown : shown + PAGE_SIZE]
        if not page:
            dispatcher.utter_message(response="utter_help_no_more")
            return []
        _show(dispatcher, page)
        more = len(options) > shown + PAGE_SIZE
        dispatcher.utter_message(response="utter_help_more" if more else "utter_help_after")
        return [SlotSet("help_shown", float(shown + len(page)))]
