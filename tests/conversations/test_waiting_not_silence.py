"""Waiting is not silence (issue 18), through the real gateway and the trained Rasa.

The reviewer's conversation first: an automatic handover (no food, the children hungry, out of
hours), then "Nee, nu niet", a question for local help and the town: before, the last two got no
answer at all. Now the "nee" is asked about once ("Wil je je plek houden?"), and the assistant
answers the other two with one line that a person still comes. Every message on Telegram
(webhook -> inbox -> router -> Rasa / attending -> outbox -> fake Telegram), both backends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, Handover
from bot.staff import StaffUser, Team, hash_password
from bot.storage.db import open_database
from bot.texts import TextCatalog
from harness.fakes.telegram import FakeTelegram
from tests.conversations.conftest import (
    ALWAYS,
    PASSWORD,
    Gateway,
    Resident,
    names_of,
    seed_teams,
    start_gateway,
)
from tests.fakes.graph import FakeGraph

TEXTS = TextCatalog.load()
NO_FOOD = "we hebben geen eten meer en de kinderen hebben honger"
STILL_CLOSED = "utter_wait_still_coming_closed"
STILL_OPEN = "utter_wait_still_coming"
ACKS = {
    "utter_wait_ack",
    "utter_wait_ack_short",
    "utter_wait_ack_closed",
    "utter_wait_ack_crisis",
    "utter_wait_ack_crisis_closed",
    "utter_wait_ack_callback",
}


async def add_open_pool(factory: Any) -> None:
    """A team for every municipality, open day and night, with a counsellor available."""
    async with factory() as s:
        pool = Team(
            name="Iedereen (test)",
            municipality_codes=[],
            kinds=["counsellor", "peer"],
            opening_hours=ALWAYS,
        )
        s.add(pool)
        await s.flush()
        s.add(
            StaffUser(
                email=f"pool{pool.id}@test.geldhulp.nl",
                name="Lotte (test)",
                role="counsellor",
                team_id=pool.id,
                password_hash=hash_password(PASSWORD),
                presence="available",
                failed_logins=0,
                max_chats=50,
            )
        )
        await s.commit()


@pytest.fixture
async def live(
    db_url: str, fakes: tuple[FakeTelegram, FakeGraph], rasa_stack: Any
) -> AsyncIterator[Gateway]:
    """The gateway with the trained Rasa; teams only for GM0001 and GM0002 (so a resident of an
    unknown municipality waits out of hours for a team not known yet)."""
    telegram, graph = fakes
    async with open_database(db_url) as (_engine, factory):
        await seed_teams(factory)
        client = await start_gateway(db_url, telegram, graph, rasa_url=rasa_stack.rasa_url)
        try:
            yield Gateway(client, telegram, factory)
        finally:
            await client.close()


async def find_conversation(resident: Resident) -> Conversation:
    async with resident.factory() as s:
        conv = await s.scalar(
            select(Conversation)
            .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
            .where(ChannelIdentity.channel == "telegram")
            .where(ChannelIdentity.address == str(resident.chat_id))
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
    assert conv is not None
    resident.conversation_id = conv.id
    return conv


async def escalated(gw: Gateway) -> Resident:
    """A resident the assistant handed over by itself (no food, the children hungry), while
    nobody is there."""
    resident = gw.resident()
    answer = await resident.say(NO_FOOD)
    assert answer, "the crisis message got no answer"
    conv = await find_conversation(resident)
    assert conv.status == Status.WAITING_FOR_HUMAN
    handover = await resident.handover()
    assert handover.reason == "crisis" and handover.out_of_hours
    assert "utter_handover_ask_consent" in names_of(answer)
    return resident


async def test_after_an_automatic_handover_nee_is_asked_about_and_no_message_is_silent(
    live: Gateway,
) -> None:
    resident = await escalated(live)
    refusal = names_of(await resident.say("Nee, nu niet"))
    assert refusal == ["utter_wait_keep_place"]

    local = await resident.say("ik zoek hulp in de buurt")
    assert local, "a question for local help while waiting got no answer"
    assert names_of(local)[0] == STILL_CLOSED
    assert not ACKS & set(names_of(local))
    assert len(local) >= 2  # the assistant's own answer follows the line

    town = await resident.say("Groningen")
    assert town, "the town named for local help got no answer"
    assert names_of(town)[0] == STILL_CLOSED
    assert len(town) >= 2
    assert (await resident.conversation()).municipality_code == "GM0014"
    # still waiting: the place was not given up by asking something else
    assert (await resident.conversation()).status == Status.WAITING_FOR_HUMAN


async def test_keeping_the_place_is_honoured_and_the_question_comes_once(live: Gateway) -> None:
    resident = await escalated(live)
    assert names_of(await resident.say("nee")) == ["utter_wait_keep_place"]
    kept = names_of(await resident.say(payload="/keep_waiting"))
    assert kept == ["utter_wait_ack_crisis_closed"]  # nobody now; the help of day and night
    assert (await resident.conversation()).status == Status.WAITING_FOR_HUMAN
    again = names_of(await resident.say("nee"))  # asked once: now it answers the callback
    assert "utter_wait_keep_place" not in again
    assert again == ["utter_handover_consent_no"]
    assert (await resident.handover()).contact_consent is False


async def test_leaving_the_place_is_honoured(live: Gateway) -> None:
    resident = await escalated(live)
    assert names_of(await resident.say("Nee, nu niet")) == ["utter_wait_keep_place"]
    left = names_of(await resident.say("nee"))
    assert left == ["utter_handover_cancelled"]
    assert (await resident.conversation()).status == Status.BOT
    async with resident.factory() as s:
        open_requests = await s.scalar(
            select(Handover.id).where(
                Handover.conversation_id == resident.conversation_id,
                Handover.ended_at.is_(None),
            )
        )
    assert open_requests is None


async def test_a_question_while_waiting_in_hours_is_answered_with_the_still_coming_line(
    db_url: str, fakes: tuple[FakeTelegram, FakeGraph], rasa_stack: Any
) -> None:
    telegram, graph = fakes
    async with open_database(db_url) as (_engine, factory):
        await add_open_pool(factory)
        client = await start_gateway(db_url, telegram, graph, rasa_url=rasa_stack.rasa_url)
        try:
            gw = Gateway(client, telegram, factory)
            resident = await gw.waiting(municipality="GM0014")
            question = await resident.say("Wat is een betalingsregeling?")
            names = names_of(question)
            assert names[0] == STILL_OPEN, names
            assert len(question) >= 2 and not ACKS & set(names)
            # the assistant does not offer a person again: one is on the way
            sent = telegram.sent(resident.chat_id)[-len(question) :]
            markup = " ".join(str(m.get("reply_markup") or "") for m in sent)
            assert "/ask_human" not in markup and "/choose_counsellor" not in markup
            # a pure wait question keeps the state table's answer
            assert names_of(await resident.say("hoe lang nog?")) == ["utter_wait_status"]
            # a story waits for the person: acknowledged, not answered by the assistant
            story = names_of(await resident.say("ik heb ook nog schulden bij de energie"))
            assert STILL_OPEN not in story
            assert (await resident.conversation()).status == Status.WAITING_FOR_HUMAN
        finally:
            await client.close()


# --- every state of states.py, with a question, a refusal and a town name -----------------------
WALK_MESSAGES = {
    "question": "waar kan ik hulp krijgen in de buurt?",
    "refusal": "Nee, nu niet",
    "town": "Groningen",
}


async def in_bot(gw: Gateway) -> Resident:
    return gw.resident()  # a first message: the assistant answers


async def in_waiting(gw: Gateway) -> Resident:
    return await gw.waiting()  # asked for a person, the team is there


async def in_with_person(gw: Gateway) -> Resident:
    return await gw.with_person()


async def in_closed(gw: Gateway) -> Resident:
    resident = await gw.with_person()
    async with resident.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        assert conv is not None
        await resident.service.finish(s, conv, None, to=Status.CLOSED, outcome="helped")
        await s.commit()
    await resident.settle()
    return resident


WALK_STATES = {
    Status.BOT: in_bot,
    Status.WAITING_FOR_HUMAN: in_waiting,
    Status.WITH_HUMAN: in_with_person,
    Status.CLOSED: in_closed,
}
WALK = [(state, kind) for state in WALK_STATES for kind in WALK_MESSAGES]


def test_the_walk_covers_every_state_of_the_state_machine() -> None:
    assert set(WALK_STATES) == set(Status)


@pytest.fixture
async def open_live(
    db_url: str, fakes: tuple[FakeTelegram, FakeGraph], rasa_stack: Any
) -> AsyncIterator[Gateway]:
    """The gateway with the trained Rasa and the open and closed teams of the state table."""
    telegram, graph = fakes
    async with open_database(db_url) as (_engine, factory):
        await seed_teams(factory)
        client = await start_gateway(db_url, telegram, graph, rasa_url=rasa_stack.rasa_url)
        try:
            yield Gateway(client, telegram, factory)
        finally:
            await client.close()


@pytest.mark.parametrize(("state", "kind"), WALK, ids=[f"{s}-{k}" for s, k in WALK])
async def test_every_state_answers_a_question_a_refusal_and_a_town_once(
    open_live: Gateway, state: Status, kind: str
) -> None:
    resident = await WALK_STATES[state](open_live)
    text = WALK_MESSAGES[kind]
    got = await resident.say(text)
    names = names_of(got)
    assert len(set(got)) == len(got), f"{state} x {kind}: an answer twice: {names}"
    if state == Status.WITH_HUMAN:  # it reaches the person who is in the chat, live
        assert got == []
        assert (await resident.transcript())[-1].text == text
        return
    assert got, f"{state} x {kind}: no answer"
    if state == Status.WAITING_FOR_HUMAN:
        expected_first = "utter_wait_ack" if kind == "refusal" else STILL_OPEN
        assert names[0] == expected_first, f"{state} x {kind}: {names}"
        if kind != "refusal":  # the assistant's own answer follows the line
            assert len(got) >= 2 and not ACKS & set(names[1:])
        assert (await resident.conversation()).status == Status.WAITING_FOR_HUMAN
    else:  # with the assistant (a closed chat starts a new conversation with it)
        assert not ACKS & set(names) and STILL_OPEN not in names
        conv = await find_conversation(resident)
        assert conv.status == Status.BOT
        if state == Status.CLOSED:
            disclosure = TEXTS.render("utter_disclosure").text
            assert got[0].startswith(disclosure)
