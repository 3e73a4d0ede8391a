"""What one turn costs the database: SQL statements and commits per Telegram message answered
with one bubble (webhook, inbox, router, outbox, channel), on SQLite and PostgreSQL.

A budget, not a timing: the gateway's CPU per turn is mostly statements (docs/gateway.md,
"Statements per turn"), so a change that adds some fails here, and a change that cuts some
lowers the budget. Rasa is a fake that answers every message with one bubble (the gateway's own
work is what is counted); the real Rasa is in the model tier.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.app import create_app
from harness.fakes.telegram import FakeTelegram
from tests.fakes.graph import FakeGraph
from tests.fakes.rasa import ANSWER, GatewayRasa
from tests.gateway.conftest import TG_SECRET, fixture, make_settings

TURNS = 20
# measured 2026-12-07: before the folds of docs/gateway.md ("Statements per turn"), 40.0-40.2
# statements and 11.0 commits per turn on SQLite, 42.0-42.6 and 12.0-12.3 on PostgreSQL; after
# them (claims by UPDATE … RETURNING, lease checks folded into the writes, one read of the
# conversation per step, no look of a loop after a turn that left nothing behind) 17.9-18.1 and
# 6.0 on SQLite, 21.4-24.1 and 6.0 on PostgreSQL (its NOTIFYs, our own writes' among them, wake
# the loops a few more times: a claim that finds nothing and a `next_due` each). A tenth on top
# for the background loops (heartbeat, probes) and wake-ups that fall differently on a loaded
# machine
BUDGET = {"sqlite": (20, 6.6), "postgres": (26.5, 6.6)}


@pytest.fixture
def counted() -> Iterator[Counter[str]]:
    """Statements and commits of every engine while ``counted["on"]`` is set."""
    seen: Counter[str] = Counter()

    def statement(conn: Any, cursor: Any, text: str, *args: Any) -> None:
        if seen["on"]:
            seen["statements"] += 1

    def commit(conn: Any) -> None:
        if seen["on"]:
            seen["commits"] += 1

    event.listen(Engine, "before_cursor_execute", statement)
    event.listen(Engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", statement)
        event.remove(Engine, "commit", commit)


def update(update_id: int, chat_id: int) -> dict[str, Any]:
    """The real Telegram text update of the fixtures, as this chat's message ``update_id``."""
    body = fixture("tg_private_text")
    body["update_id"] = body["message"]["message_id"] = update_id
    body["message"]["chat"]["id"] = body["message"]["from"]["id"] = chat_id
    body["message"]["text"] = "hoi"
    return body


async def test_a_one_bubble_turn_stays_within_its_statement_budget(
    db_url: str, db_backend: str, counted: Counter[str]
) -> None:
    telegram, graph, rasa = (
        await FakeTelegram().start(),
        await FakeGraph().start(),
        await GatewayRasa().start(),
    )
    settings = make_settings(db_url, telegram, graph, rasa.root)
    client = TestClient(TestServer(create_app(settings, pacing={}), host="127.0.0.1"))
    await client.start_server()
    try:
        for turn in range(TURNS + 2):  # two turns first: each chat's identity and conversation
            chat = 100 + turn % 2
            if turn == 2:
                counted["on"] = 1
            before = len(telegram.sent(chat))
            response = await client.post(
                "/webhooks/telegram",
                data=json.dumps(update(1000 + turn, chat)),
                headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
            )
            assert response.status == 200
            async with asyncio.timeout(10):
                while len(telegram.sent(chat)) == before:
                    await asyncio.sleep(0.005)
            assert ANSWER in telegram.sent(chat)[-1]["text"]  # the first: after the AI notice
        counted["on"] = 0
    finally:
        await client.close()
        for fake in (telegram, graph, rasa):
            await fake.close()
    per_turn = counted["statements"] / TURNS, counted["commits"] / TURNS
    print(f"\n{db_backend}: {per_turn[0]:.1f} statements and {per_turn[1]:.1f} commits per turn")
    statements, commits = BUDGET[db_backend]
    assert per_turn[0] <= statements, per_turn
    assert per_turn[1] <= commits, per_turn
    assert per_turn[0] >= 5  # the counting saw the turns (a webhook, a claim, a record, a send)
    assert len(rasa.messages) == TURNS + 2  # each message reached Rasa once
