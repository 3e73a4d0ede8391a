"""The work queue on both backends: leases, one item per resident at a time, order, take-over.

Real SQL (SQLite and PostgreSQL); on PostgreSQL several claimers run at once, as several
gateway instances would.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import func, select

from bot.conversations import queue, store
from bot.conversations.models import Inbound
from bot.conversations.tables import InboxItem
from bot.storage.base import utcnow
from bot.storage.db import open_database


def message(n: int, sender: str) -> Inbound:
    return Inbound(
        channel="telegram", dedupe_key=str(n), sender=sender, address=sender, text=f"bericht {n}"
    )


async def fill(factory, senders: int, per_sender: int) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    n = 0
    for round_ in range(per_sender):
        for s in range(senders):
            n += 1
            item_id = await store.accept_inbound(factory, message(n, f"s{s}"), f"hash-{s}")
            assert item_id is not None
            ids.append(item_id)
        del round_
    return ids


async def test_only_the_oldest_item_of_a_resident_can_be_claimed(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        await fill(factory, senders=3, per_sender=4)
        first = await queue.claim_inbox(factory, "a", limit=50, lease_seconds=30)
        assert sorted(c.key for c in first) == ["hash-0", "hash-1", "hash-2"]
        # while those are held, nothing else can be claimed: the rest waits behind them
        assert await queue.claim_inbox(factory, "b", limit=50, lease_seconds=30) == []
        async with factory() as s:
            item = await queue.held(s, InboxItem, first[0].id, "a")
            assert item is not None
            item.status = "done"
            await s.commit()
        second = await queue.claim_inbox(factory, "b", limit=50, lease_seconds=30)
        assert [c.key for c in second] == [first[0].key]
        assert second[0].id > first[0].id


async def test_a_lost_lease_is_taken_over_and_the_late_result_is_refused(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory):
        await fill(factory, senders=1, per_sender=1)
        (claim,) = await queue.claim_inbox(factory, "slow", limit=5, lease_seconds=60)
        assert await queue.claim_inbox(factory, "other", limit=5, lease_seconds=30) == []
        async with factory() as s:  # a minute passes: the slow instance's lease runs out
            item = await s.get(InboxItem, claim.id)
            item.lease_until = utcnow() - timedelta(seconds=1)
            await s.commit()
        taken = await queue.claim_inbox(factory, "other", limit=5, lease_seconds=30)
        assert [c.id for c in taken] == [claim.id] and taken[0].attempts == 2
        assert await queue.next_due(factory, InboxItem) == taken[0].lease_until
        async with factory() as s:
            assert await queue.held(s, InboxItem, claim.id, "slow") is None  # late: refused
            assert await queue.held(s, InboxItem, claim.id, "other") is not None


async def test_concurrent_claimers_never_share_an_item_and_keep_each_residents_order(
    postgres_url: str,
) -> None:
    # several instances: PostgreSQL only (SQLite is the one-instance default)
    senders, per_sender = 12, 6
    async with open_database(postgres_url) as (_e, factory):
        await fill(factory, senders=senders, per_sender=per_sender)
        handled: list[tuple[str, int, str]] = []  # (sender, item id, worker)
        in_flight: set[str] = set()
        overlaps: list[str] = []

        async def worker(name: str) -> None:
            idle = 0
            while idle < 20:
                claims = await queue.claim_inbox(factory, name, limit=4, lease_seconds=30)
                if not claims:
                    idle += 1
                    await asyncio.sleep(0.02)
                    continue
                idle = 0
                for claim in claims:
                    if claim.key in in_flight:
                        overlaps.append(claim.key)
                    in_flight.add(claim.key)
                for claim in claims:
                    await asyncio.sleep(random.uniform(0, 0.01))
                    async with factory() as s:
                        item = await queue.held(s, InboxItem, claim.id, name)
                        assert item is not None
                        item.status = "done"
                        handled.append((claim.key, claim.id, name))
                        in_flight.discard(claim.key)
                        await s.commit()

        await asyncio.gather(*(worker(f"w{i}") for i in range(4)))
        async with factory() as s:
            left = await s.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.status != "done")
            )
    assert left == 0 and not overlaps
    assert len(handled) == senders * per_sender
    assert len({item_id for _k, item_id, _w in handled}) == len(handled)  # each item once
    for s in range(senders):
        ids = [item_id for key, item_id, _w in handled if key == f"hash-{s}"]
        assert ids == sorted(ids)  # in the order they arrived
