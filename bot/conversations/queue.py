"""The work queue: inbox and outbox items claimed with a lease, the oldest first per resident.

A claim is one statement in a short transaction (``UPDATE … WHERE id IN (SELECT … FOR UPDATE
SKIP LOCKED) RETURNING``: on PostgreSQL instances never take the same row, and the rows come
back with the claim); the network call (Rasa, a channel) happens after it, outside any
transaction; the result is recorded in another short transaction that checks the lease is
still ours, so a result is recorded once even when a slow instance lost its lease to another:
a locking read first (`held`), or the check folded into the write it guards (``WHERE
lease_owner = :me``, and nothing written when no row matched: `settle_inbox`, `mark_sending`,
`finish_sent`). Claims go by arrival over all residents (oldest first); only the oldest
pending item of a resident can be claimed: that keeps the order per resident across instances
and lets nobody starve. SQLite has no row locks: it is for one instance.

Every instance beats (table ``instances``) every HEARTBEAT_SECONDS; an item leased by an
instance silent for DEAD_AFTER seconds is free at once, not only when its lease runs out.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Exists, and_, case, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.conversations.tables import InboxItem, Instance, OutboxItem
from bot.storage.base import utcnow

PENDING = "pending"
HEARTBEAT_SECONDS = 3.0  # how often a running instance beats (bot/conversations/heartbeat.py)
DEAD_AFTER = 10.0  # an instance silent this long is dead: its leased items may be taken over
# a claimer uses the heartbeat rule only after beating this long without a failure itself: after
# a database outage every instance is silent, and the live ones need a beat to say so again
STEADY_AFTER = 2 * HEARTBEAT_SECONDS


def instance_id() -> str:
    """A name for this process in lease columns: host, pid and a random part."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Claim:
    """An item this instance holds until ``lease_until``, with what its claim read of it."""

    id: int
    key: str  # the resident: sender hash (inbox) or channel + address (outbox)
    lease_until: datetime
    attempts: int = 1  # how often the item was claimed, this claim included
    # the item's body and stored message as the claim found them (None: not read)
    body: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    message_id: int | None = None
    # outbox: the claim marked it "sending" (committed): it goes out at once, no other step
    sending: bool = False

    @property
    def channel(self) -> str:
        """The channel (outbox) or, for an inbox claim, the first part of its key."""
        return self.key.split(":", 1)[0]

    @property
    def address(self) -> str:
        """The outbox item's address (the part of its key after the channel)."""
        return self.key.split(":", 1)[1] if ":" in self.key else ""


def _lease_free(
    model: type[InboxItem] | type[OutboxItem], now: datetime, take_over: bool = True
) -> ColumnElement[bool]:
    """Nobody holds the item: no lease, a lease that ran out, or (``take_over``) an owner known
    to be dead."""
    if not take_over:
        return or_(model.lease_until.is_(None), model.lease_until < now)
    dead = select(Instance.id).where(Instance.beat_at < now - timedelta(seconds=DEAD_AFTER))
    return or_(model.lease_until.is_(None), model.lease_until < now, model.lease_owner.in_(dead))


def _free(
    model: type[InboxItem] | type[OutboxItem], now: datetime, take_over: bool = True
) -> ColumnElement[bool]:
    return and_(
        model.status == PENDING, model.next_attempt_at <= now, _lease_free(model, now, take_over)
    )


async def beat(factory: async_sessionmaker[AsyncSession], owner: str) -> None:
    """This instance is alive: its heartbeat row says so (created on the first beat)."""
    now = utcnow()
    async with factory() as session:
        result = await session.execute(
            update(Instance).where(Instance.id == owner).values(beat_at=now)
        )
        if not getattr(result, "rowcount", 0):
            session.add(Instance(id=owner, started_at=now, beat_at=now))
            # instances gone for a day are forgotten (a restart gets a new id)
            await session.execute(
                delete(Instance).where(Instance.beat_at < now - timedelta(days=1))
            )
        try:
            await session.commit()
        except IntegrityError:  # a beat of the same owner inserted the row first: fine
            await session.rollback()


async def _claim(
    factory: async_sessionmaker[AsyncSession],
    model: Any,  # InboxItem or OutboxItem: the same lease columns
    owner: str,
    *,
    limit: int,
    lease_seconds: float,
    where: Sequence[ColumnElement[bool]] = (),
    take_over: bool = True,
    values: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> list[Any]:
    """Lease up to ``limit`` due items of ``model``, each the oldest pending one of its line, in
    one ``UPDATE … RETURNING`` (the rows come back with the claim: no read after it); more
    ``values`` are set in the same statement. Nothing claimed: rolled back, no commit."""
    now = now or utcnow()
    heads = (
        select(model.id)
        .where(_free(model, now, take_over), ~_blocked(model), *where)
        # fair: by arrival over all residents (ids are given when an item is accepted or
        # enqueued), never per resident in turn; with one head per resident, a resident who
        # sends a lot holds one slot at a time (tests/gateway/test_fair_queue.py)
        .order_by(model.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=model)
        .correlate(None)  # its own FROM, not the UPDATE's table
    )
    statement = _lease(model, heads, owner, now, lease_seconds, **(values or {}))
    async with factory() as session:
        items = list((await session.scalars(statement)).all())
        if items:
            await session.commit()
        else:
            await session.rollback()
    return sorted(items, key=lambda item: int(item.id))


def _lease(
    model: Any, heads: Any, owner: str, now: datetime, lease_seconds: float, **values: Any
) -> Any:
    """``UPDATE … WHERE id IN (heads) RETURNING`` the rows: leased to ``owner`` from ``now``,
    one claim more counted, and ``values`` set in the same statement."""
    return (
        update(model)
        .where(model.id.in_(heads))
        .values(
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=model.attempts + 1,
            **values,
        )
        .returning(model)
        .execution_options(synchronize_session=False)
    )


async def claim_inbox(
    factory: async_sessionmaker[AsyncSession],
    owner: str,
    *,
    limit: int,
    lease_seconds: float,
    take_over: bool = True,
) -> list[Claim]:
    """Claim up to ``limit`` due inbox items, each the oldest pending one of its resident;
    ``take_over``: also items of instances whose heartbeat stopped (see `steady`)."""
    items = await _claim(
        factory, InboxItem, owner, limit=limit, lease_seconds=lease_seconds, take_over=take_over
    )
    return [
        Claim(
            item.id,
            item.sender_hash,
            item.lease_until,
            item.attempts,
            body=dict(item.body),
            message_id=item.message_id,
        )
        for item in items
    ]


async def claim_outbox(
    factory: async_sessionmaker[AsyncSession],
    owner: str,
    *,
    limit: int,
    lease_seconds: float,
    skip_channels: Collection[str] = (),
    take_over: bool = True,
    send_at_once: Collection[str] = (),
) -> list[Claim]:
    """Claim up to ``limit`` due outbox items, each the oldest pending one of its address;
    none of ``skip_channels`` (failing channels: their items wait for a probe).

    An item of ``send_at_once`` (channels without pacing or a 24-hour window) that is not
    already "sending" is marked "sending" by the claim itself (``Claim.sending``): it goes out
    right after this commit, as a bubble taken by `take_next` does. An item found "sending" (in
    flight at a crash) keeps its time and takes the worker's careful way (resent at most once).
    """
    now = utcnow()
    where = [OutboxItem.channel.not_in(list(skip_channels))] if skip_channels else []
    values: dict[str, Any] = {}
    if send_at_once:
        fresh = and_(OutboxItem.sending_at.is_(None), OutboxItem.channel.in_(list(send_at_once)))
        values["sending_at"] = case((fresh, now), else_=OutboxItem.sending_at)
    items = await _claim(
        factory,
        OutboxItem,
        owner,
        limit=limit,
        lease_seconds=lease_seconds,
        where=where,
        take_over=take_over,
        values=values,
        now=now,
    )
    return [
        _outbox_claim(item, sending=bool(send_at_once) and item.sending_at == now) for item in items
    ]


async def claim_probe(
    factory: async_sessionmaker[AsyncSession],
    owner: str,
    channel: str,
    *,
    lease_seconds: float,
    take_over: bool = True,
) -> Claim | None:
    """Claim one waiting item of a failing ``channel`` as its probe, whatever its retry time:
    the one that has waited longest for its retry (an item that fails on its own goes to the
    back of the line, so it cannot keep the channel closed for the others)."""
    now = utcnow()
    query = (
        select(OutboxItem)
        .where(
            OutboxItem.status == PENDING,
            OutboxItem.channel == channel,
            _lease_free(OutboxItem, now, take_over),
            ~_blocked(OutboxItem),
        )
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=OutboxItem)
    )
    async with factory() as session:
        item = await session.scalar(query)
        if item is None:
            return None
        item.lease_owner, item.lease_until = owner, now + timedelta(seconds=lease_seconds)
        item.attempts += 1
        await session.commit()
    return _outbox_claim(item)


async def release_channel(factory: async_sessionmaker[AsyncSession], channel: str) -> int:
    """Make every waiting item of ``channel`` due now (it works again); how many there were."""
    now = utcnow()
    async with factory() as session:
        result = await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.channel == channel,
                OutboxItem.status == PENDING,
                OutboxItem.next_attempt_at > now,
                _lease_free(OutboxItem, now),
            )
            .values(next_attempt_at=now)
        )
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def take_next(
    session: AsyncSession, channel: str, address: str, owner: str, lease_seconds: float
) -> Claim | None:
    """In the transaction that records a sent item: lease the resident's next item when it is
    due, free and now the oldest pending one, and mark it "sending" (it goes out right after
    the commit), in one ``UPDATE … RETURNING``; its claim with its body. None: nothing to send
    now (the worker's claim finds it)."""
    now = utcnow()
    await session.flush()  # the item just sent is no longer pending
    head = (
        select(OutboxItem.id)
        .where(
            OutboxItem.channel == channel,
            OutboxItem.address == address,
            _free(OutboxItem, now),
            OutboxItem.sending_at.is_(None),  # in flight at a crash: the worker's careful way
            ~_blocked(OutboxItem),
        )
        .order_by(OutboxItem.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=OutboxItem)
        .correlate(None)
    )
    item = await session.scalar(_lease(OutboxItem, head, owner, now, lease_seconds, sending_at=now))
    return None if item is None else _outbox_claim(item, sending=True)


async def mark_sending(
    session: AsyncSession, item_id: int, owner: str
) -> tuple[str, dict[str, Any]] | None:
    """Mark an outbox item "sending" in one guarded ``UPDATE … RETURNING`` (while pending,
    leased to ``owner`` and not "sending" already): its address and body. None: nothing was
    written (not ours, or in flight at a crash: the caller takes the careful way)."""
    row = (
        await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id == item_id,
                OutboxItem.status == PENDING,
                OutboxItem.lease_owner == owner,
                OutboxItem.sending_at.is_(None),
            )
            .values(sending_at=utcnow())
            .returning(OutboxItem.address, OutboxItem.body)
            .execution_options(synchronize_session=False)
        )
    ).first()
    return None if row is None else (str(row[0]), dict(row[1]))


async def finish_sent(
    session: AsyncSession, claim: Claim, owner: str
) -> tuple[int | None, bool] | None:
    """Record a sent outbox item in one guarded ``UPDATE`` (the lease check folded into the
    write: first in the transaction, so on PostgreSQL it holds the row as `held` did): "sent",
    its body and address emptied (they live on only in the transcript). Its stored message's
    id, and whether another pending item of the same address waits behind it. None: the item
    is no longer ours (taken over, or done) and nothing was written."""
    # values only, no reference to the updated row: SQLAlchemy renders SQLite's RETURNING
    # without table names, also inside a subquery, where they would name the alias
    behind = exists().where(
        _later.channel == claim.channel,
        _later.address == claim.address,
        _later.status == PENDING,
        _later.id != claim.id,
    )
    row = (
        await session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id == claim.id,
                OutboxItem.status == PENDING,
                OutboxItem.lease_owner == owner,
            )
            .values(
                status="sent",
                sent_at=utcnow(),
                sending_at=None,
                lease_owner=None,
                lease_until=None,
                body={},
                address="",
            )
            .returning(OutboxItem.message_id, behind)
            .execution_options(synchronize_session=False)
        )
    ).first()
    return None if row is None else (row[0], bool(row[1]))


_later = aliased(OutboxItem)


def _outbox_claim(item: OutboxItem, *, sending: bool = False) -> Claim:
    assert item.lease_until is not None
    key = f"{item.channel}:{item.address}"
    body = dict(item.body) if sending else None
    return Claim(item.id, key, item.lease_until, item.attempts, body=body, sending=sending)


async def held(
    session: AsyncSession, model: type[InboxItem] | type[OutboxItem], item_id: int, owner: str
) -> InboxItem | OutboxItem | None:
    """The item, row-locked, when it is still pending and leased to ``owner``; else None.

    Call it first in a recording transaction: a None means another instance took the item
    over (our lease ran out) or it is done, and this result must not be recorded.
    """
    item: InboxItem | OutboxItem | None = await session.get(
        model, item_id, with_for_update=True, populate_existing=True
    )
    if item is None or item.status != PENDING or item.lease_owner != owner:
        return None
    return item


def release(item: InboxItem | OutboxItem, *, after: float = 0.0) -> None:
    """Give the item back to the queue, due again in ``after`` seconds."""
    item.lease_owner, item.lease_until = None, None
    item.next_attempt_at = utcnow() + timedelta(seconds=max(0.0, after))


_BLOCKED: dict[type, Exists] = {}


def _blocked(model: type[InboxItem] | type[OutboxItem]) -> Exists:
    """An older pending item of the same resident exists (only the oldest may be claimed).
    Built once per table: it has no values of its own, and building the aliased subquery
    was a visible part of the gateway's CPU in `make bench --profile`."""
    found = _BLOCKED.get(model)
    if found is None:
        found = _BLOCKED[model] = _build_blocked(model)
    return found


def _build_blocked(model: type[InboxItem] | type[OutboxItem]) -> Exists:
    same: ColumnElement[bool]
    if model is InboxItem:
        older_in = aliased(InboxItem)
        same = older_in.sender_hash == InboxItem.sender_hash
        return exists().where(same, older_in.status == PENDING, older_in.id < InboxItem.id)
    older_out = aliased(OutboxItem)
    same = and_(older_out.channel == OutboxItem.channel, older_out.address == OutboxItem.address)
    return exists().where(same, older_out.status == PENDING, older_out.id < OutboxItem.id)


async def next_due(
    factory: async_sessionmaker[AsyncSession],
    model: type[InboxItem] | type[OutboxItem],
    *,
    skip_channels: Collection[str] = (),
    take_over: bool = True,
) -> datetime | None:
    """When the next item can be claimed: the earliest retry time or lease end of the items at
    the head of their resident's line (the others wait behind them). In the past: right now.
    Outbox items of ``skip_channels`` (failing: they wait for a probe) do not count."""
    where = [model.channel.not_in(list(skip_channels))] if skip_channels else []
    async with factory() as session:
        rows = (
            await session.execute(
                select(model.next_attempt_at, model.lease_until, Instance.beat_at)
                .outerjoin(Instance, Instance.id == model.lease_owner)
                .where(model.status == PENDING, ~_blocked(model), *where)
                .order_by(model.next_attempt_at)
                .limit(500)
            )
        ).all()
    dead_after = timedelta(seconds=DEAD_AFTER)
    times = []
    for retry, lease, beat_at in rows:
        if take_over and lease is not None and beat_at is not None:  # free when its owner dies
            lease = min(lease, beat_at + dead_after)
        times.append(retry if lease is None else max(retry, lease))
    return min(times) if times else None


def waiting_behind(model: type[InboxItem]) -> Exists:
    """Another pending inbox item of the same resident exists (to select with the item)."""
    later = aliased(model)
    return (
        exists()
        .where(
            later.sender_hash == model.sender_hash,
            later.status == PENDING,
            later.id != model.id,
        )
        .correlate(model)
    )


async def settle_inbox(session: AsyncSession, item_id: int, owner: str, **values: Any) -> bool:
    """Write ``values`` to an inbox item only while it is pending and leased to ``owner``: the
    lease check folded into the write (``UPDATE … WHERE lease_owner = :me``, its row count
    instead of a read before it). False: not ours any more; the caller rolls back."""
    result = await session.execute(
        update(InboxItem)
        .where(
            InboxItem.id == item_id,
            InboxItem.status == PENDING,
            InboxItem.lease_owner == owner,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def done_values() -> dict[str, Any]:
    """The columns of an inbox item that is done (for `settle_inbox`)."""
    return {"status": "done", "done_at": utcnow(), "lease_owner": None, "lease_until": None}
