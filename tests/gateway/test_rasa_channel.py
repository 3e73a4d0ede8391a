"""Rasa's gateway channel, real Rasa: an idempotency key is never run twice; parse-only route.

The tracker (Rasa's SQL tracker store) is the record: a repeated key is answered from it.
"""

from __future__ import annotations

import json
import sqlite3
import uuid

import aiohttp
import pytest

from bot.conversations.rasa import RasaClient, replica_order
from bot.errors import RasaUnavailable
from harness.rasa_stack import RASA_CHANNEL_TOKEN

pytestmark = pytest.mark.rasa


def user_events(tracker_url: str, sender: str) -> list[dict]:
    """The user messages Rasa logged for ``sender`` (read from its tracker database)."""
    path = tracker_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender,),
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


async def test_a_repeated_message_id_returns_the_stored_answer_without_a_second_turn(
    rasa_stack,  # type: ignore[no-untyped-def]
) -> None:
    sender = f"conv-{uuid.uuid4()}"
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, rasa_stack.rasa_url, RASA_CHANNEL_TOKEN, 30)
        first = await rasa.send(sender, "ik heb schulden", {}, message_id="inbox-1")
        again = await rasa.send(sender, "ik heb schulden", {}, message_id="inbox-1")
        other = await rasa.send(sender, "dank je wel", {}, message_id="inbox-2")
    assert not first.repeated and again.repeated and not other.repeated
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert [r.buttons for r in again.replies] == [r.buttons for r in first.replies]
    assert again.intent == first.intent == "debt_help"
    events = user_events(rasa_stack.tracker_url, sender)
    assert [e.get("message_id") for e in events] == ["inbox-1", "inbox-2"]  # once each


async def test_parse_only_touches_no_tracker(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, rasa_stack.rasa_url, RASA_CHANNEL_TOKEN, 30)
        parsed = await rasa.parse("de deurwaarder staat morgen voor de deur", key="conv-x")
    assert parsed.intent == "debt_collector"
    assert parsed.confidence is not None and parsed.confidence > 0.3
    assert user_events(rasa_stack.tracker_url, "conv-x") == []


async def test_the_channel_refuses_a_wrong_token(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, rasa_stack.rasa_url, "wrong-token", 30)
        with pytest.raises(RasaUnavailable):
            await rasa.send("conv-y", "hoi", {}, message_id="inbox-9")
        with pytest.raises(RasaUnavailable):
            await rasa.parse("hoi")


async def test_a_replica_that_is_down_hands_its_conversations_to_the_next(
    rasa_stack,  # type: ignore[no-untyped-def]
) -> None:
    from harness.rasa_stack import free_port

    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    urls = [dead, rasa_stack.rasa_url]
    # a conversation whose first choice is the dead replica
    sender = next(
        s for s in (f"conv-{uuid.uuid4()}" for _ in range(100)) if replica_order(s, urls)[0] == dead
    )
    async with aiohttp.ClientSession() as http:
        rasa = RasaClient(http, urls, RASA_CHANNEL_TOKEN, 30)
        turn = await rasa.send(sender, "hallo", {}, message_id="inbox-1")
    assert turn.replies and not turn.repeated
    assert len(user_events(rasa_stack.tracker_url, sender)) == 1


def test_rendezvous_hashing_moves_only_the_conversations_of_a_removed_replica() -> None:
    urls = ["http://a:5005", "http://b:5005", "http://c:5005"]
    ids = [f"conv-{i}" for i in range(600)]
    before = {i: replica_order(i, urls)[0] for i in ids}
    after = {i: replica_order(i, urls[:2])[0] for i in ids}
    moved = [i for i in ids if before[i] != after[i]]
    assert all(before[i] == "http://c:5005" for i in moved)
    counts = {u: list(before.values()).count(u) for u in urls}
    assert all(150 < n < 250 for n in counts.values())  # spread evenly


def test_a_follow_up_answered_with_its_context_gives_the_turn_its_topic() -> None:
    from bot.conversations.rasa import parse_turn

    answer = {
        "messages": [
            {"text": "Je vraagt bewindvoering aan bij de rechtbank."},
            {"custom": {"follow_up": {"topic": "budgeting_admin"}}},
        ],
        "intent": {"name": "nlu_fallback", "confidence": 0.3},
    }
    turn = parse_turn(answer)
    assert turn.context_topic == "budgeting_admin"
    assert [r.text for r in turn.replies] == ["Je vraagt bewindvoering aan bij de rechtbank."]
    answer["messages"] = answer["messages"][:1]
    assert parse_turn(answer).context_topic is None
