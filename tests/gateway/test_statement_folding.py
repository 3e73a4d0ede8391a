"""The folds that cut a turn's statements keep the queue's guarantees (docs/gateway.md,
"Statements per turn"), on SQLite and PostgreSQL:

- a claim is one ``UPDATE … RETURNING``; one that finds nothing commits nothing;
- an outbox claim marks "sending" only fresh items of channels without pacing or window; an
  item found "sending" (in flight at a crash) keeps its time and the careful way;
- the lease checks folded into writes refuse a late instance and write nothing;
- a sent bubble's record sees the bubbles behind it and takes the next one at once;
- the prepare of a claim that was taken over rolls back whole;
- a loop that no longer looks again after every item still answers a resident's next message
  at once when it came while the first was with Rasa.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.conversations import queue, store
from bot.conversations.models import Inbound, Reply
from bot.conversations.ports import SendContext, Template
from bot.conversations.router import ASSISTANT, Router
from bot.conversations.tables import ChannelIdentity, InboxItem, Message, OutboxItem
from bot.conversations.worker import OutboxWorker
from bot.storage.base import utcnow
from bot.storage.db import open_database
from harness.fakes.telegram import FakeTelegram
from tests.fakes.graph import FakeGraph
from tests.fakes.rasa import ANSWER, GatewayRasa
from tests.gateway.conftest import TG_SECRET, make_settings
from tests.gateway.test_statements_per_turn import update as telegram_update


@pytest.fixture
def commits() -> Iterator[Counter[str]]:
    """Commits of every engine."""
    seen: Counter[str] = Counter()

    def commit(conn: Any) -> None:
        seen["commits"] += 1

    event.listen(Engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(Engine, "commit", commit)


async def reply_to(factory, address: str, channel: str = "telegram") -> int:  # type: ignore[no-untyped-def]
    """A pending outbox item for ``address`` (a resident with an open conversation)."""
    async with factory() as s:
        identity = await store.identity_for(s, channel, f"h-{address}", address)
        conv, _ = await store.open_conversation(s, identity)
        _, item = store.enqueue_reply(s, conv, identity, Reply(f"antwoord voor {address}"))
        await s.commit()
        return item.id


async def expire(factory, owner: str) -> None:  # type: ignore[no-untyped-def]
    """``owner``'s leases run out (a slow or dead instance)."""
    async with factory() as s:
        await s.execute(
            update(InboxItem)
            .where(InboxItem.lease_owner == owner)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        await s.execute(
            update(OutboxItem)
            .where(OutboxItem.lease_owner == owner)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        await s.commit()


async def test_a_claim_is_one_statement_and_an_empty_one_commits_nothing(
    db_url: str, commits: Counter[str]
) -> None:
    async with open_database(db_url) as (_e, factory):
        item_id = await store.accept_inbound(
            factory,
            Inbound(channel="telegram", dedupe_key="1", sender="7", address="7", text="hoi"),
            "hash-7",
        )
        before = commits["commits"]
        (claim,) = await queue.claim_inbox(factory, "a", limit=4, lease_seconds=30)
        assert commits["commits"] == before + 1
        # the claim returns what the prepare needs: no read of the item after it
        assert claim.id == item_id and claim.key == "hash-7" and claim.attempts == 1
        assert claim.body is not None and claim.body["text"] == "hoi"
        assert claim.message_id is None
        assert await queue.claim_inbox(factory, "b", limit=4, lease_seconds=30) == []
        assert await queue.claim_outbox(factory, "b", limit=4, lease_seconds=30) == []
        assert commits["commits"] == before + 1  # the empty claims rolled back


async def test_an_outbox_claim_marks_only_fresh_items_of_unpaced_channels_sending(
    db_url: str,
) -> None:
    async with open_database(db_url) as (_e, factory):
        fresh = await reply_to(factory, "fresh")
        remnant = await reply_to(factory, "remnant")
        paced = await reply_to(factory, "paced", channel="whatsapp")
        crashed_at = utcnow() - timedelta(minutes=5)
        async with factory() as s:  # in flight when an instance died
            await s.execute(
                update(OutboxItem).where(OutboxItem.id == remnant).values(sending_at=crashed_at)
            )
            await s.commit()
        claims = await queue.claim_outbox(
            factory, "a", limit=10, lease_seconds=30, send_at_once=["telegram"]
        )
        by_id = {claim.id: claim for claim in claims}
        assert set(by_id) == {fresh, remnant, paced}
        assert by_id[fresh].sending and by_id[fresh].body is not None
        assert by_id[fresh].body["text"] == "antwoord voor fresh"
        assert by_id[fresh].address == "fresh" and by_id[fresh].channel == "telegram"
        assert not by_id[remnant].sending and by_id[remnant].body is None
        assert not by_id[paced].sending
        async with factory() as s:
            rows = {r.id: r for r in (await s.scalars(select(OutboxItem))).all()}
        assert rows[fresh].sending_at is not None
        assert rows[remnant].sending_at == crashed_at  # the crash window is still visible
        assert rows[paced].sending_at is None


async def test_a_late_sent_record_is_refused_and_writes_nothing(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        first = await reply_to(factory, "r1")
        (slow,) = await queue.claim_outbox(
            factory, "slow", limit=1, lease_seconds=30, send_at_once=["telegram"]
        )
        assert slow.id == first and slow.sending
        await expire(factory, "slow")
        (taken,) = await queue.claim_outbox(factory, "other", limit=1, lease_seconds=30)
        assert taken.id == first and not taken.sending  # found "sending": the careful way
        async with factory() as s:
            assert await queue.finish_sent(s, slow, "slow") is None
            await s.commit()
        async with factory() as s:
            row = await s.get(OutboxItem, first)
            assert row is not None
            assert (row.status, row.lease_owner, row.address) == ("pending", "other", "r1")
        # the holder records it; a second reply of the same resident waits behind it
        second = await reply_to(factory, "r1")
        async with factory() as s:
            finished = await queue.finish_sent(s, taken, "other")
            assert finished is not None
            message_id, behind = finished
            assert message_id is not None and behind
            await s.commit()
        async with factory() as s:
            row = await s.get(OutboxItem, first)
            assert row is not None
            assert (row.status, row.lease_owner, row.address, row.body) == ("sent", None, "", {})
            (claim,) = await queue.claim_outbox(factory, "other", limit=5, lease_seconds=30)
            assert claim.id == second
            finished = await queue.finish_sent(s, claim, "other")
            assert finished is not None and not finished[1]  # nothing behind the last one
            await s.commit()


async def test_the_bubbles_of_a_reply_go_out_at_once_and_in_order(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        ids = [await reply_to(factory, "chain") for _ in range(3)]
        async with factory() as s:
            for n, item_id in enumerate(ids):
                await s.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id == item_id)
                    .values(body=Reply(f"bubbel {n}").to_json())
                )
            await s.commit()
        channel = RecordingChannel()
        worker = OutboxWorker(factory, {"telegram": channel}, owner="w", retry_base=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            started = time.monotonic()
            async with asyncio.timeout(10):
                while len(channel.texts) < 3:
                    await asyncio.sleep(0.01)
            # chained by each record (`queue.take_next`), not found by a later look of the loop
            assert time.monotonic() - started < 3
        finally:
            stop.set()
            await task
        assert channel.texts == ["bubbel 0", "bubbel 1", "bubbel 2"]


class RecordingChannel:
    """A channel without pacing or window that records the texts it sends."""

    name = "telegram"
    pacing = 0.0
    window: timedelta | None = None

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def loops(self) -> list[Any]:
        return []

    async def send(self, address: str, reply: Reply, context: SendContext) -> str:
        self.texts.append(reply.text)
        return ""

    async def send_template(self, address: str, template: Template) -> str:
        raise NotImplementedError


async def test_sending_is_marked_once_and_only_by_the_holder(db_url: str) -> None:
    """A paced channel's item: "sending" in one guarded write after its turn came."""
    async with open_database(db_url) as (_e, factory):
        item_id = await reply_to(factory, "paced")
        (claim,) = await queue.claim_outbox(factory, "a", limit=1, lease_seconds=30)
        assert not claim.sending
        async with factory() as s:
            assert await queue.mark_sending(s, item_id, "b") is None  # not the holder
            marked = await queue.mark_sending(s, item_id, "a")
            assert marked is not None
            assert marked[0] == "paced" and marked[1]["text"] == "antwoord voor paced"
            assert await queue.mark_sending(s, item_id, "a") is None  # "sending" already
            await s.commit()
        async with factory() as s:
            row = await s.get(OutboxItem, item_id)
            assert row is not None and row.sending_at is not None


def bare_router() -> Router:
    """A router for ``prepare`` of plain text (no media, no plan, no Rasa call)."""
    none: Any = None
    return Router(
        rasa=none,
        presenter=none,
        pseudonym_key="k",
        attending=none,
        handover=none,
        forget_me=none,
    )


async def test_the_prepare_of_a_claim_taken_over_rolls_back_whole(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        inbound = Inbound(
            channel="telegram",
            dedupe_key="9",
            sender="9",
            address="9",
            text="hoi",
            channel_message_id="tg:9:1",
        )
        await store.accept_inbound(factory, inbound, "hash-9")
        (slow,) = await queue.claim_inbox(factory, "slow", limit=1, lease_seconds=30)
        await expire(factory, "slow")
        (taken,) = await queue.claim_inbox(factory, "other", limit=1, lease_seconds=30)
        router = bare_router()
        assert await router.prepare(factory, slow, "slow") is None
        async with factory() as s:
            assert await s.scalar(select(func.count()).select_from(Message)) == 0
            assert await s.scalar(select(func.count()).select_from(ChannelIdentity)) == 0
            item = await s.get(InboxItem, taken.id)
            assert item is not None and item.conversation_id is None
        plan = await router.prepare(factory, taken, "other")
        assert plan is not None and plan.route == ASSISTANT and plan.text == "hoi"
        async with factory() as s:
            item = await s.get(InboxItem, taken.id)
            assert item is not None
            assert item.conversation_id == plan.conversation_id
            assert item.message_id is not None and item.status == "pending"
        # claimed again (say Rasa was down): the message is not stored a second time
        await expire(factory, "other")
        (again,) = await queue.claim_inbox(factory, "third", limit=1, lease_seconds=30)
        assert again.message_id == item.message_id
        assert await router.prepare(factory, again, "third") is not None
        async with factory() as s:
            assert await s.scalar(select(func.count()).select_from(Message)) == 1


class ThinkingRasa(GatewayRasa):
    """Answers the first message only when ``go`` is set (Rasa still thinking)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = asyncio.Event()

    async def webhook(self, request: web.Request) -> web.Response:
        if not self.messages:
            self.messages.append("(thinking)")
            await self.go.wait()
            self.messages.pop()
        return await super().webhook(request)


async def test_a_message_that_came_while_rasa_thought_is_answered_at_once(db_url: str) -> None:
    telegram, graph, rasa = (
        await FakeTelegram().start(),
        await FakeGraph().start(),
        await ThinkingRasa().start(),
    )
    settings = make_settings(db_url, telegram, graph, rasa.root)
    client = TestClient(TestServer(create_app(settings, pacing={}), host="127.0.0.1"))
    await client.start_server()
    chat = 321

    async def post(update_id: int) -> None:
        response = await client.post(
            "/webhooks/telegram",
            data=json.dumps(telegram_update(update_id, chat)),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status == 200

    try:
        await post(1)
        async with asyncio.timeout(10):
            while not rasa.messages:
                await asyncio.sleep(0.01)
        await post(2)  # waits behind the first: the loop finds it blocked
        await asyncio.sleep(0.3)
        rasa.go.set()
        started = time.monotonic()
        async with asyncio.timeout(10):
            while sum(ANSWER in m["text"] for m in telegram.sent(chat)) < 2:
                await asyncio.sleep(0.01)
        # at once, not at the next look of a sleeping loop (a heartbeat's 10 s or 30 s)
        assert time.monotonic() - started < 5
        assert rasa.messages == ["hoi", "hoi"]  # each message reached Rasa once
    finally:
        await client.close()
        for fake in (telegram, graph, rasa):
            await fake.close()
