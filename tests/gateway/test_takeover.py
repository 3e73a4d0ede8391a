"""A dead instance's items are taken over within 15 s: every instance beats (table `instances`),
and a leased item whose owner has been silent for 10 s is free, long before its 60 s lease ends.

PostgreSQL, two instances' workers in one process (a real cluster has them in two).
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from bot.app import WORKERS, create_app
from bot.conversations import queue
from bot.conversations.heartbeat import Heartbeat
from bot.conversations.tables import InboxItem, Instance, OutboxItem
from bot.conversations.worker import OutboxWorker
from bot.settings import Secret, Settings
from bot.storage.base import utcnow
from bot.storage.db import open_database
from tests.gateway.test_crash_window import FakeChannel, seed
from tests.gateway.test_queue import fill

TAKEOVER = 15.0  # the acceptance


async def test_a_dead_instances_replies_are_taken_over_within_15_seconds(
    postgres_url: str,
) -> None:
    async with open_database(postgres_url) as (_e, factory):
        ids = {name: await seed(factory, name) for name in ("r1", "r2", "r3")}
        dying = FakeChannel(hang={"r1", "r2", "r3"})  # its sends never come back
        worker_a = OutboxWorker(factory, {"telegram": dying}, owner="instance-a")
        task_a = asyncio.create_task(worker_a.run(asyncio.Event()))

        async def in_flight() -> bool:
            async with factory() as s:
                rows = (await s.scalars(select(OutboxItem))).all()
                beats = (await s.scalars(select(Instance.id))).all()
            return "instance-a" in beats and all(
                r.lease_owner == "instance-a" and r.sending_at for r in rows
            )

        async with asyncio.timeout(30):
            while not await in_flight():
                await asyncio.sleep(0.05)
        survivor = FakeChannel()
        worker_b = OutboxWorker(factory, {"telegram": survivor}, owner="instance-b")
        stop_b = asyncio.Event()
        task_b = asyncio.create_task(worker_b.run(stop_b))
        # kill -9 of instance A: its loop, its heartbeat and its sends stop where they are
        killed = time.monotonic()
        for running in [task_a, *worker_a._tasks]:
            running.cancel()
        await asyncio.gather(task_a, *worker_a._tasks, return_exceptions=True)
        try:
            async with asyncio.timeout(TAKEOVER + 15):
                while len(survivor.sent) < len(ids):
                    await asyncio.sleep(0.05)
        finally:
            took = time.monotonic() - killed
            stop_b.set()
            await task_b
        async with factory() as s:
            rows = (await s.scalars(select(OutboxItem))).all()
    print(f"\nthe dead instance's replies were sent {took:.1f} s after the kill")
    assert took <= TAKEOVER  # the lease (60 s) had not run out
    assert sorted(survivor.sent) == ["r1", "r2", "r3"]
    assert [r.status for r in rows] == ["sent"] * 3
    assert [r.resends for r in rows] == [1, 1, 1]  # they were "sending" at the kill


async def test_an_item_of_a_silent_instance_is_free_and_of_a_live_one_is_not(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        await fill(factory, senders=2, per_sender=1)
        await queue.beat(factory, "alive")
        await queue.beat(factory, "silent")
        first = await queue.claim_inbox(factory, "alive", limit=1, lease_seconds=60)
        second = await queue.claim_inbox(factory, "silent", limit=1, lease_seconds=60)
        assert len(first) == len(second) == 1
        assert await queue.claim_inbox(factory, "other", limit=5, lease_seconds=60) == []
        async with factory() as s:  # "silent" last beat 11 s ago
            await s.execute(
                update(Instance)
                .where(Instance.id == "silent")
                .values(beat_at=utcnow() - timedelta(seconds=11))
            )
            await s.commit()
        # a claimer that has not beaten steadily itself (the database was away) waits for leases
        assert (
            await queue.claim_inbox(factory, "other", limit=5, lease_seconds=60, take_over=False)
            == []
        )
        assert await queue.next_due(factory, InboxItem, take_over=False) > utcnow()
        due = await queue.next_due(factory, InboxItem)
        assert due is not None and due <= utcnow()  # free now, not when the lease ends
        taken = await queue.claim_inbox(factory, "other", limit=5, lease_seconds=60)
        assert [c.id for c in taken] == [second[0].id]
        async with factory() as s:  # the silent one's late result is refused
            assert await queue.held(s, InboxItem, second[0].id, "silent") is None


async def until(condition, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def test_an_instance_beats_once_for_all_its_loops_and_stops_with_the_last(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two loops of one instance share its heartbeat: every beat written is that heartbeat's
    (before, each loop beat on its own: two writes where one says the same). It beats while
    either loop runs and stops when the last one has ended."""
    written: list[str] = []
    beat = queue.beat

    async def counted(factory, owner: str) -> None:  # type: ignore[no-untyped-def]
        written.append(owner)
        await beat(factory, owner)

    monkeypatch.setattr(queue, "beat", counted)
    async with open_database(sqlite_url) as (_e, factory):
        heartbeat = Heartbeat(factory, "instance-a", every=0.05)
        loops = [OutboxWorker(factory, {"telegram": FakeChannel()}, heartbeat=heartbeat)]
        loops.append(OutboxWorker(factory, {"telegram": FakeChannel()}, heartbeat=heartbeat))
        assert [loop._owner for loop in loops] == ["instance-a", "instance-a"]
        stops = [asyncio.Event(), asyncio.Event()]
        tasks = [
            asyncio.create_task(loop.run(stop)) for loop, stop in zip(loops, stops, strict=True)
        ]
        await until(lambda: heartbeat.beats >= 5)
        assert len(written) - heartbeat.beats in (0, 1)  # one beat in flight at most
        async with factory() as s:
            assert (await s.scalars(select(Instance.id))).all() == ["instance-a"]
        stops[0].set()
        await tasks[0]
        went_on_from = heartbeat.beats
        await until(lambda: heartbeat.beats >= went_on_from + 3)  # the other loop still runs
        assert heartbeat.running
        stops[1].set()
        await tasks[1]
        assert not heartbeat.running  # the last loop took the beat with it
        assert heartbeat.steady_in() is None  # a restart has to beat steadily again first
    assert set(written) == {"instance-a"}


def test_the_apps_two_workers_share_one_heartbeat(sqlite_url: str) -> None:
    settings = Settings(
        env="test",
        database_url=sqlite_url,
        secret_key=Secret("k" * 32),
        pseudonym_key=Secret("p" * 32),
        rasa_channel_token=Secret("t" * 32),
    )

    async def started() -> None:
        app = create_app(settings, workers=True)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        try:
            workers = app[WORKERS]
            assert workers.inbox.heartbeat is workers.outbox.heartbeat
            assert workers.inbox._owner == workers.outbox._owner == workers.inbox.heartbeat.owner
            await until(lambda: workers.inbox.heartbeat.beats >= 1)
        finally:
            await client.close()

    asyncio.run(started())
