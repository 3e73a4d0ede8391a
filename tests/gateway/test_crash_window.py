"""Resends only in the crash window: an outbox item records "sending" (committed) before the
channel call and "sent" after it; after a crash only items that were "sending" go out again, at
most once; items that were only claimed are sent normally.

A fake channel in process (no Rasa); the crash is the worker task and its sends being cancelled,
and the dead instance's leases running out.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.conversations import queue, store
from bot.conversations.models import Reply
from bot.conversations.ports import SendContext, Template
from bot.conversations.tables import ChannelIdentity, OutboxItem
from bot.conversations.worker import OutboxWorker
from bot.staff import StaffAlert
from bot.storage.base import utcnow
from bot.storage.db import open_database


class FakeChannel:
    """A channel that records sends; sends to ``hang`` never come back (the crash window)."""

    name = "telegram"
    pacing = 0.0
    window: timedelta | None = None

    def __init__(self, hang: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.hang, self.sent, self.started = set(hang), [], []  # type: ignore[var-annotated]

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def loops(self) -> list:  # type: ignore[type-arg]
        return []

    async def send(self, address: str, reply: Reply, context: SendContext) -> str:
        self.started.append(address)
        if address in self.hang:
            await asyncio.Event().wait()  # the process dies while the channel has the message
        self.sent.append(address)
        return ""

    async def send_template(self, address: str, template: Template) -> str:
        raise NotImplementedError


async def seed(factory, address: str) -> int:  # type: ignore[no-untyped-def]
    async with factory() as s:
        identity = ChannelIdentity(
            channel="telegram", external_hash=f"h-{address}", address=address
        )
        s.add(identity)
        await s.flush()
        conv, _ = await store.open_conversation(s, identity)
        _, item = store.enqueue_reply(s, conv, identity, Reply(f"antwoord voor {address}"))
        await s.commit()
        return item.id


async def until(check, timeout: float = 30):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.02)
    return value


async def items(factory, ids: dict[str, int]) -> dict[str, OutboxItem]:  # type: ignore[no-untyped-def]
    """The outbox rows by the name they were seeded with (sent rows keep no text or address)."""
    async with factory() as s:
        rows = {row.id: row for row in (await s.scalars(select(OutboxItem))).all()}
    return {name: rows[item_id] for name, item_id in ids.items()}


async def test_after_a_crash_only_items_in_sending_are_sent_again_once(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        # "claimed": taken by the dying instance, which never came to send it
        ids = {"claimed": await seed(factory, "claimed")}
        (claim,) = await queue.claim_outbox(factory, "dead", limit=1, lease_seconds=60)
        assert claim.id == ids["claimed"]
        ids |= {name: await seed(factory, name) for name in ("hang1", "hang2", "done")}
        dying = FakeChannel(hang={"hang1", "hang2"})
        worker = OutboxWorker(factory, {"telegram": dying}, owner="dead", retry_base=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))

        async def in_flight() -> bool:
            rows = await items(factory, ids)
            return (
                rows["done"].status == "sent"
                and rows["hang1"].sending_at is not None
                and rows["hang2"].sending_at is not None
            )

        await until(in_flight)
        # kill -9: the loop and its sends stop where they are; nothing more is recorded
        for running in [task, *worker._tasks]:
            running.cancel()
        await asyncio.gather(task, *worker._tasks, return_exceptions=True)
        rows = await items(factory, ids)
        assert rows["claimed"].sending_at is None and rows["claimed"].lease_owner == "dead"
        # the dead instance's leases run out
        async with factory() as s:
            await s.execute(
                update(OutboxItem)
                .where(OutboxItem.lease_owner == "dead")
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
            await s.commit()

        survivor = FakeChannel()
        worker = OutboxWorker(factory, {"telegram": survivor}, owner="alive", retry_base=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))

        async def all_sent() -> bool:
            return all(row.status == "sent" for row in (await items(factory, ids)).values())

        try:
            await until(all_sent)
        finally:
            stop.set()
            await task
        rows = await items(factory, ids)

    assert sorted(dying.sent) == ["done"]
    # exactly the two in "sending" went out again, once each; the claimed one went out normally
    assert sorted(survivor.sent) == ["claimed", "hang1", "hang2"]
    assert {name: row.resends for name, row in rows.items()} == {
        "claimed": 0,
        "hang1": 1,
        "hang2": 1,
        "done": 0,
    }
    assert all(row.sending_at is None for row in rows.values())


async def test_an_item_in_flight_at_a_second_crash_is_not_sent_a_third_time(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        item_id = await seed(factory, "twice")
        ids = {"twice": item_id}
        async with factory() as s:  # resent once already, and in flight again when it died
            await s.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item_id)
                .values(sending_at=utcnow(), resends=1)
            )
            await s.commit()
        channel = FakeChannel()
        worker = OutboxWorker(factory, {"telegram": channel}, owner="alive", retry_base=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))

        async def settled() -> OutboxItem | None:
            row = (await items(factory, ids))["twice"]
            return row if row.status != "pending" else None

        try:
            row = await until(settled)
        finally:
            stop.set()
            await task
        async with factory() as s:
            alerts = (await s.scalars(select(StaffAlert))).all()
    assert channel.started == []
    assert row.status == "unconfirmed"  # a person checks; never a third send
    assert [a.kind for a in alerts] == ["undelivered"]


class TextChannel(FakeChannel):
    """Records the texts; the send of ``hang_text`` never comes back."""

    def __init__(self, hang_text: str = "") -> None:
        super().__init__()
        self.hang_text, self.texts = hang_text, []  # type: ignore[var-annotated]

    async def send(self, address: str, reply: Reply, context: SendContext) -> str:
        if reply.text == self.hang_text:
            await asyncio.Event().wait()
        self.texts.append(reply.text)
        return ""


async def test_bubbles_chained_without_pacing_keep_the_crash_window(db_url: str) -> None:
    """On a channel without pacing a resident's bubbles go out one after another, each taken
    in the transaction that recorded the one before; a crash still resends only the one that
    was in the call, once, and the rest go out normally, in order."""
    async with open_database(db_url) as (_e, factory):
        async with factory() as s:
            identity = ChannelIdentity(channel="telegram", external_hash="h-chain", address="9")
            s.add(identity)
            await s.flush()
            conv, _ = await store.open_conversation(s, identity)
            ids = {
                text: store.enqueue_reply(s, conv, identity, Reply(text))[1]
                for text in ("een", "twee", "drie")
            }
            await s.commit()
        ids = {text: item.id for text, item in ids.items()}  # type: ignore[misc]
        dying = TextChannel(hang_text="twee")
        worker = OutboxWorker(factory, {"telegram": dying}, owner="dead", retry_base=0.05)
        task = asyncio.create_task(worker.run(asyncio.Event()))

        async def in_flight() -> bool:
            rows = await items(factory, ids)  # type: ignore[arg-type]
            return rows["een"].status == "sent" and rows["twee"].sending_at is not None

        await until(in_flight)
        for running in [task, *worker._tasks]:
            running.cancel()
        await asyncio.gather(task, *worker._tasks, return_exceptions=True)
        rows = await items(factory, ids)  # type: ignore[arg-type]
        assert rows["drie"].sending_at is None and rows["drie"].lease_owner is None
        async with factory() as s:
            await s.execute(
                update(OutboxItem)
                .where(OutboxItem.lease_owner == "dead")
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
            await s.commit()
        survivor = TextChannel()
        worker = OutboxWorker(factory, {"telegram": survivor}, owner="alive", retry_base=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))

        async def all_sent() -> bool:
            rows = await items(factory, ids)  # type: ignore[arg-type]
            return all(row.status == "sent" for row in rows.values())

        try:
            await until(all_sent)
        finally:
            stop.set()
            await task
        rows = await items(factory, ids)  # type: ignore[arg-type]
    assert dying.texts == ["een"]
    assert survivor.texts == ["twee", "drie"]
    assert {text: row.resends for text, row in rows.items()} == {"een": 0, "twee": 1, "drie": 0}


class RefusingCommits:
    """A session factory whose commits fail while ``refusals`` is above zero, as when
    PostgreSQL refuses a connection ("too many clients") right after a send."""

    def __init__(self, factory) -> None:  # type: ignore[no-untyped-def]
        self._factory, self.refusals = factory, 0

    def __call__(self):  # type: ignore[no-untyped-def]
        from sqlalchemy.exc import OperationalError

        session = self._factory()
        commit = session.commit

        async def refusing() -> None:
            if self.refusals > 0:
                self.refusals -= 1
                raise OperationalError("COMMIT", None, ConnectionError("too many clients"))
            await commit()

        session.commit = refusing
        return session


class RefusingAfterSend(FakeChannel):
    """Each send that reaches the resident makes the next commits fail."""

    def __init__(self, factory: RefusingCommits, refusals: int) -> None:
        super().__init__()
        self.factory, self.refusals = factory, refusals

    async def send(self, address: str, reply: Reply, context: SendContext) -> str:
        sent = await super().send(address, reply, context)
        self.factory.refusals = self.refusals
        return sent


async def test_a_delivered_reply_is_recorded_when_the_database_fails_after_the_send(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The channel took the message, then recording "sent" failed: the item is not handed back
    (that would send it twice, no channel takes an idempotency key) but recorded once the
    database answers again. One item: nothing else of the worker's needs the database then."""
    async with open_database(db_url) as (_e, plain):
        ids = {"only": await seed(plain, "only")}
        factory = RefusingCommits(plain)
        channel = RefusingAfterSend(factory, refusals=4)
        worker = OutboxWorker(factory, {"telegram": channel}, owner="alive", retry_base=0.05)  # type: ignore[arg-type]
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))

        async def sent() -> bool:
            return (await items(plain, ids))["only"].status == "sent"

        try:
            await until(sent)
        finally:
            stop.set()
            await task
        row = (await items(plain, ids))["only"]
    assert channel.sent == ["only"]  # once
    assert row.resends == 0 and row.sending_at is None
    assert "was delivered; recording it failed" in caplog.text  # the refusal did happen
