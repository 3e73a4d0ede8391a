"""The local-help actions on real trackers and a real directory database (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.resources as resources
from actions.local_help import ActionFindLocalHelp, ActionMoreHelp
from actions.location_form import ValidateLocationForm
from bot.storage.db import create_engine, session_factory
from tests.support.trackers import make_tracker, slot_events


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


async def run_find(slots: dict, history: list[tuple[str, str]] = ()) -> tuple[list[dict], dict]:  # type: ignore[assignment,type-arg]
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("/find_local_help", "find_local_help", slots=slots, history=history)
    events = await ActionFindLocalHelp().run(dispatcher, tracker, {})
    return dispatcher.messages, slot_events(events)


def options_of(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["response"].startswith("utter_help_option")]


async def test_find_help_says_what_is_local_and_never_shows_unchecked_as_fact(action_db) -> None:  # type: ignore[no-untyped-def]
    slots = {
        "municipality_code": "GM1952",
        "municipality_name": "Midden-Groningen",
        "topics": ["debt_help", "health_insurance"],
    }
    messages, slots_set = await run_find(slots)
    responses = [m["response"] for m in messages]
    assert responses[0] == "utter_local_help_intro"
    options = options_of(messages)
    assert [m["response"] for m in options] == ["utter_help_option_check"] * 3
    assert options[0]["name"].startswith("Inloopspreekuur schuldhulppreventie")
    assert options[0]["where"] == "in Midden-Groningen"
    assert "Zonder afspraak binnenlopen: elke vrijdagochtend" in options[0]["how"]
    assert [m["where"] for m in options[1:]] == ["in heel Nederland"] * 2
    assert all(m["how"] for m in options)  # a next step for every option
    assert responses[-1] == "utter_help_more_page"
    assert messages[-1]["url"].endswith("/hulp/midden-groningen")
    dispatcher = CollectingDispatcher()
    more = make_tracker(
        "/more_options",
        "more_options",
        slots={**slots, "help_shown": slots_set["help_shown"]},
    )
    await ActionMoreHelp().run(dispatcher, more, {})
    names = [m.get("name") for m in options_of(dispatcher.messages)]
    assert names and not set(names) & {m["name"] for m in options}
    assert "Sterk uit Armoede" not in names + [m["name"] for m in options]


async def test_no_food_today_gets_the_food_bank_route_first(action_db) -> None:  # type: ignore[no-untyped-def]
    messages, _ = await run_find(
        {
            "municipality_code": "GM0114",
            "municipality_name": "Emmen",
            "topics": ["food_basic_needs"],
            "urgency_flags": ["no_food"],
        }
    )
    assert messages[0]["response"] == "utter_help_route_food"
    assert messages[0]["website"].startswith("https://voedselbankennederland.nl/ik-zoek-hulp/")
    options = options_of(messages)
    assert options[0]["name"] == "Leger des Heils Emmen" and options[0]["where"] == "in Emmen"
    assert "Kijk op https://korpsemmen.nl/schuldhulpverlening" in options[0]["how"]
    assert "Voedselbank bij jou in de buurt" not in [m["name"] for m in options]  # not twice


async def test_den_haag_entry_without_a_number_gets_the_general_number(action_db) -> None:  # type: ignore[no-untyped-def]
    messages, _ = await run_find(
        {"municipality_code": "GM0518", "municipality_name": "Den Haag", "topics": ["rent_housing"]}
    )
    responses = [m["response"] for m in messages]
    assert responses[:2] == ["utter_help_route_municipality", "utter_local_help_intro"]
    assert messages[0]["phone"] == "14070"
    helpdesk = options_of(messages)[0]
    assert helpdesk["name"] == "Helpdesk Geldzaken (gemeente Den Haag)"
    assert (
        helpdesk["how"]
        == "Bel de gemeente: 14070. Vraag naar Helpdesk Geldzaken (gemeente Den Haag)."
    )


async def test_a_municipality_without_local_entries_says_so_and_gives_steps(action_db) -> None:  # type: ignore[no-untyped-def]
    messages, _ = await run_find(
        {"municipality_code": "GM0034", "municipality_name": "Almere", "topics": ["debt_help"]}
    )
    assert messages[0]["response"] == "utter_help_no_local"
    options = options_of(messages)
    assert options and all(m["where"] == "in heel Nederland" for m in options)
    assert "Bellen: 0800-8115" in options[0]["how"]


async def test_a_walk_in_question_puts_walk_in_places_first(action_db) -> None:  # type: ignore[no-untyped-def]
    slots = {"municipality_code": "GM0503", "municipality_name": "Delft", "topics": ["debt_help"]}
    history = [("waar kan ik zonder afspraak langs met mijn brieven", "find_local_help")]
    messages, slots_set = await run_find(slots, history)
    responses = [m["response"] for m in messages]
    assert "utter_help_walk_in_intro" in responses and slots_set["help_walk_in"] is True
    first = options_of(messages)[0]
    assert first["name"] == "Loket Geldzaken voor Elkaar (Delft)"
    assert first["how"].startswith("Zonder afspraak binnenlopen: elke woensdag van 14.00 tot 16.00")
    # no walk-in place known: said so, and the other help follows
    messages, _ = await run_find(
        {"municipality_code": "GM0034", "municipality_name": "Almere", "topics": ["debt_help"]},
        history,
    )
    assert "utter_help_no_walk_in" in [m["response"] for m in messages]


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


async def test_no_food_said_to_the_crisis_layer_still_gets_the_food_bank_route(action_db) -> None:  # type: ignore[no-untyped-def]
    """No topic was set (the crisis layer answered), but the tracker says there is no food."""
    messages, _ = await run_find(
        {"municipality_code": "GM0034", "municipality_name": "Almere", "topics": []},
        [("we hebben vandaag niks meer te eten", "crisis")],
    )
    assert messages[0]["response"] == "utter_help_route_food"
    messages, _ = await run_find(
        {"municipality_code": "GM0034", "municipality_name": "Almere", "topics": []},
        [("ik heb schulden bij de bank", "debt_help")],
    )
    assert "utter_help_route_food" not in [m["response"] for m in messages]
