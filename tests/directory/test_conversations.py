"""Topic -> "waar kan ik terecht?" -> municipality -> the right services, through the real model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.rasa_client import Conversation, payloads, texts

pytestmark = pytest.mark.rasa


@pytest.fixture
async def chat(rasa_stack) -> AsyncIterator[Conversation]:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:
        yield Conversation(session, rasa_stack.rasa_url)


async def test_topic_then_where_then_municipality_gives_local_help(chat: Conversation) -> None:
    await chat.say("ik heb schulden en ik weet het niet meer")
    asked = await chat.say("waar kan ik terecht?")
    assert "gemeente of postcode" in texts(asked)
    replies = await chat.say("groningn")
    shown = texts(replies)
    assert "Eerst de hulp in Groningen" in shown  # local first, and said so
    assert "Eerste Hulp bij Geldzaken (gemeente Groningen) (in Groningen)" in shown
    assert "Kijk op https://gemeente.groningen.nl/eerste-hulp-bij-geldzaken" in shown
    assert "(in heel Nederland)" in shown and "0800-8115" in shown
    assert "Check ze even voor je gaat" in shown  # unverified entries are never shown as fact
    assert "Sterk uit Armoede" not in shown and "Amsterdam" not in shown
    assert "/hulp/groningen" in shown  # the whole picture on one page


async def test_no_food_today_gets_the_food_bank_route(chat: Conversation) -> None:
    first = texts(await chat.say("we hebben vandaag niks meer te eten in huis"))
    assert first  # answered (topic or crisis layer), never left alone
    await chat.say("/find_local_help")
    shown = texts(await chat.say("Emmen"))
    assert "Heb je vandaag geen eten?" in shown
    assert "https://voedselbankennederland.nl/ik-zoek-hulp/voedselbank-in-de-buurt/" in shown
    assert "Leger des Heils Emmen (in Emmen)" in shown


async def test_a_walk_in_question_gets_walk_in_places_first(chat: Conversation) -> None:
    await chat.say("ik heb schulden")
    asked = await chat.say("waar kan ik zonder afspraak langs")
    assert "gemeente of postcode" in texts(asked), asked
    replies = await chat.say("Delft")
    shown = texts(replies)
    assert "Hier kun je zonder afspraak binnenlopen:" in shown
    options = [m["text"] for m in replies if "(in " in m.get("text", "")]
    assert options[0].startswith("Loket Geldzaken voor Elkaar (Delft) (in Delft)")
    assert "elke woensdag van 14.00 tot 16.00 uur, Van Bleyswijckstraat 91, Delft" in options[0]


@pytest.mark.parametrize(
    ("place", "step"),
    [
        ("Den Haag", "Bel de gemeente: 14070"),  # the helpdesk has no number of its own
        ("Emmen", "Bellen: 0800-8115"),  # no local entry with a step for debts (yet)
        ("Almere", "Bellen: 0800-8115"),  # no local entries at all
    ],
)
async def test_every_place_gets_a_concrete_next_step(
    chat: Conversation, place: str, step: str
) -> None:
    await chat.say("ik kom niet rond en heb schulden")
    await chat.say("/find_local_help")
    shown = texts(await chat.say(place))
    assert step in shown
    if place == "Almere":
        assert "In Almere ken ik nog geen hulp die je vandaag kunt bereiken." in shown


async def test_a_shared_postcode_asks_one_question(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    replies = await chat.say("1261 AB")
    assert payloads(replies) == [
        '/inform_location{"municipality": "GM0376"}',
        '/inform_location{"municipality": "GM0417"}',
    ]
    chosen = texts(await chat.say('/inform_location{"municipality": "GM0417"}'))
    assert "Laren (NH.)" in chosen or "/hulp/laren-nh" in chosen


async def test_unknown_place_gets_one_retry_then_national_help(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    retry = texts(await chat.say("Parijs"))
    assert "ken ik niet" in retry
    national = texts(await chat.say("Londen"))
    assert "heel Nederland" in national and "0800-8115" in national


async def test_a_crisis_inside_the_location_question_gets_113(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    replies = await chat.say("ik wil dood")
    assert "113" in replies[0]["text"]
