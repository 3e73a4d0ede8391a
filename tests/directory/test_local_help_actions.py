"""The local-help actions on real trackers and a real directory database (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.resources as resources
from actions.local_help import ActionFindLocalHelp, ActionMoreHelp
from actions.location_form import ValidateLocationForm
from bot.storage.db import create_engine, session_factory
from tests.support.trackers import make_tracker


@pytest.fixture
async def action_db(directory_db) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    """Point the action server's resources at the test database."""
    url, _factory = directory_db
    engine = create_engine(url)
    resources._factory, resources._resolver = session_factory(engine), None
    yield
    resources._factory, resources._resolver = None, None
    await engine.dispose()


async def validate(text: str, **slots):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        text,
        "inform_location",
        slots=slots,
        requested_slot="location_input",
        active_loop="location_form",
    )
    result = await ValidateLocationForm().validate_location_input(text, dispatcher, tracker, {})
    return result, dispatcher.messages


async def test_a_typo_resolves_to_the_municipality(action_db) -> None:  # type: ignore[no-untyped-def]
    result, messages = await validate("groningn")
    assert result["municipality_code"] == "GM0014" and result["municipality_name"] == "Groningen"
    assert messages == []


async def test_a_shared_postcode_asks_with_two_buttons(action_db) -> None:  # type: ignore[no-untyped-def]
    result, messages = await validate("1261 ab")
    assert result == {"location_input": None}
    assert messages[0]["response"] == "utter_location_choose"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform_location{"municipality": "GM0376"}',
        '/inform_location{"municipality": "GM0417"}',
    ]


async def test_unknown_twice_goes_national(action_db) -> None:  # type: ignore[no-untyped-def]
    result, messages = await validate("Parijs")
    assert result == {"location_input": None, "location_attempts": 1.0}
    assert messages[0]["response"] == "utter_location_unknown"
    result, messages = await validate("Londen", location_attempts=1.0)
    assert result["location_national"] is True and result["municipality_code"] is None
    assert messages[0]["response"] == "utter_location_national"


async def test_find_help_shows_three_local_first_with_a_check_warning(action_db) -> None:  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "/find_local_help",
        "find_local_help",
        slots={
            "municipality_code": "GM1952",
            "municipality_name": "Midden-Groningen",
            "topics": ["debt_help"],
        },
    )
    events = await ActionFindLocalHelp().run(dispatcher, tracker, {})
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[0] == "utter_local_help_intro"
    options = dispatcher.messages[1:4]
    assert [m["response"] for m in options] == ["utter_help_option_check"] * 3
    assert options[0]["name"].startswith("Inloopspreekuur schuldhulppreventie")
    assert "Zonder afspraak binnenlopen: elke vrijdagochtend" in options[0]["how"]
    assert responses[-1] == "utter_help_more"
    shown = {e["name"]: e["value"] for e in events if e["event"] == "slot"}["help_shown"]
    dispatcher = CollectingDispatcher()
    more = make_tracker(
        "/more_options",
        "more_options",
        slots={"municipality_code": "GM1952", "topics": ["debt_help"], "help_shown": shown},
    )
    await ActionMoreHelp().run(dispatcher, more, {})
    names = [
        m.get("name") for m in dispatcher.messages if m["response"].startswith("utter_help_option")
    ]
    assert names and not set(names) & {m["name"] for m in options}


async def test_a_database_error_gives_a_kind_fallback(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(resources, "_factory", session_factory(engine))
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "/find_local_help", "find_local_help", slots={"municipality_code": "GM0014"}
    )
    await ActionFindLocalHelp().run(dispatcher, tracker, {})
    await engine.dispose()
    assert [m["response"] for m in dispatcher.messages] == ["utter_directory_unavailable"]
