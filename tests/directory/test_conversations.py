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
    assert "Groningen" in shown
    assert "Eerste Hulp bij Geldzaken" in shown  # local first
    assert "Check ze even voor je gaat" in shown  # unverified entries are never shown as fact
    assert "Amsterdam" not in shown
    assert "/more_options" in payloads(replies)
    more = texts(await chat.say("/more_options"))
    assert "Geldfit" in more and "0800-8115" in more


async def test_a_shared_postcode_asks_one_question(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    replies = await chat.say("1261 AB")
    assert payloads(replies) == [
        '/inform_location{"municipality": "GM0376"}',
        '/inform_location{"municipality": "GM0417"}',
    ]
    chosen = texts(await chat.say('/inform_location{"municipality": "GM0417"}'))
    assert "Laren (NH.)" in chosen


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
