"""The resident's rights over their data: "verwijder mijn gegevens" and the retention purge.

One module for both, so that what is deleted is listed once. In our tables: messages, notes,
handover summaries and handovers, conversation events, channel addresses, inbox and outbox
items, the resident's unanswered questions, and every other row that names the conversation
(new tables of other features included: any table with a ``conversation_id`` or ``identity_id``
column). Analytics events stay (pseudonymous, no text); the staff audit log stays (ids only).
Rasa's own copy (its SQL tracker store) is deleted after our transaction has committed, by the
background loop this module registers (`attach`).

A forgotten conversation keeps an empty row (no address, no text) until its last reply (the
confirmation) is sent; then the loop deletes the row and Rasa's events of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, event, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analytics.tables import UnansweredQuestion
from bot.conversations.tables import (
    ChannelIdentity,
    Conversation,
    InboxItem,
    Message,
    OutboxItem,
    SenderRate,
)
from bot.privacy.rasa_tracker import RasaTrackerStore
from bot.privacy.retention import RetentionPolicy
from bot.settings import Settings
from bot.storage.base import Base, utcnow

logger = logging.getLogger(__name__)

FORGOTTEN = "forgotten"  # sender_hash of an inbox item whose resident was forgotten
# Tables that keep their rows: the staff audit log must stay complete (ids only, no resident text)
KEEP_TABLES = frozenset({"audit_log"})
OWN_HANDLING = frozenset({"conversations", "messages", "outbox", "channel_identities"})
SWEEP_SECONDS = 30.0  # forgotten conversations are also swept when a forget-me commits
# a forgotten conversation whose confirmation is not sent yet is swept again soon (0.5 s,
# doubling up to SWEEP_SECONDS), so its empty row and the confirmation do not linger
BUSY_FIRST_SECONDS = 0.5
PURGE_SECONDS = 3600.0
INBOX_BODY_HOURS = 24  # a processed inbox item needs no copy of the message after a day
BATCH = 500

_wakers: set[asyncio.Event] = set()


@dataclass
class ForgetReport:
    """What `forget_resident` deleted (numbers of rows) and whose Rasa tracker goes next."""

    conversation_ids: list[str] = field(default_factory=list)
    messages: int = 0
    notes: int = 0
    handovers: int = 0
    addresses: int = 0
    inbox_items: int = 0
    outbox_items: int = 0
    unanswered: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All rows deleted or emptied."""
        return (
            self.messages
            + self.notes
            + self.handovers
            + self.addresses
            + self.inbox_items
            + self.outbox_items
            + self.unanswered
            + sum(self.other_rows.values())
        )


@dataclass
class PurgeReport:
    """What one retention run deleted."""

    conversations: int = 0
    messages: int = 0
    addresses: int = 0
    inbox_items: int = 0
    outbox_items: int = 0
    unanswered: int = 0
    other_rows: dict[str, int] = field(default_factory=dict)
    rasa_events: int = 0


# --- tables that name a conversation or an identity --------------------------------------------


def _mapped_class(table: Table) -> Any:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    return None


def _tables_with(column: str) -> list[tuple[Table, Any]]:
    """Every table with ``column`` (dependents first), except the ones handled by name."""
    out = []
    for table in reversed(Base.metadata.sorted_tables):
        if column in table.c and table.name not in KEEP_TABLES | OWN_HANDLING:
            out.append((table, _mapped_class(table)))
    return out


async def _delete_where(
    session: AsyncSession, table: Table, cls: Any, column: str, values: Sequence[Any]
) -> int:
    """Delete rows whose ``column`` is in ``values`` (through the ORM class when there is one,
    so that objects the caller holds are marked deleted too)."""
    if not values:
        return 0
    target = cls if cls is not None else table
    col = getattr(cls, column) if cls is not None else table.c[column]
    result = await session.execute(delete(target).where(col.in_(list(values))))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _count(report_rows: dict[str, int], name: str, n: int) -> None:
    if n:
        report_rows[name] = report_rows.get(name, 0) + n


# --- forget-me ----------------------------------------------------------------------------------


async def forget_resident(session: AsyncSession, conv: Conversation) -> ForgetReport:
    """Erase, in the caller's transaction, everything about this resident in our tables.

    Every conversation of the resident on this channel is emptied: messages, notes, summaries,
    handovers, events, inbox and outbox items, the unanswered questions they asked, and the
    channel address. Replies enqueued earlier in this same transaction for ``conv`` and not
    flushed yet (the confirmation) are kept so that they can still be sent; the outbox empties
    them when sent. Rasa's tracker of each conversation is deleted after the commit by the
    background loop (see `attach`). The caller moves ``conv`` to closed.
    """
    report = ForgetReport()
    # the replies enqueued in this transaction (flushed or not): the confirmation goes out
    enqueued = [*session.info.get("enqueued", ()), *session.new]
    keep_outbox = [
        o
        for o in dict.fromkeys(enqueued)
        if isinstance(o, OutboxItem)
        and o.conversation_id == conv.id
        and o.status in (None, "pending")
    ]
    keep_messages = [m for m in (vars(o).get("message") for o in keep_outbox) if m is not None]
    await session.flush()
    keep_outbox_ids = [o.id for o in keep_outbox]
    keep_message_ids = [m.id for m in keep_messages]

    identity = await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None
    ids = {conv.id}
    if identity is not None:
        ids.update(
            await session.scalars(
                select(Conversation.id).where(Conversation.identity_id == identity.id)
            )
        )
    conv_ids = sorted(ids)
    report.conversation_ids = conv_ids

    # the resident's unanswered questions: stored redacted, found by redacting their messages
    report.unanswered = await _delete_unanswered(session, conv_ids, conv.channel)

    report.outbox_items = await _delete_outbox(session, conv_ids, identity, keep_outbox_ids)
    result = await session.execute(
        delete(Message).where(
            Message.conversation_id.in_(conv_ids), Message.id.not_in(keep_message_ids)
        )
    )
    report.messages = int(result.rowcount or 0)  # type: ignore[attr-defined]
    for table, cls in _tables_with("conversation_id"):
        n = await _delete_where(session, table, cls, "conversation_id", conv_ids)
        if table.name == "notes":
            report.notes += n
        elif table.name == "handovers":
            report.handovers += n
        else:
            _count(report.other_rows, table.name, n)
    await session.execute(
        update(Conversation)
        .where(Conversation.id.in_(conv_ids))
        .values(identity_id=None, handover=None)
    )
    conv.identity_id, conv.handover = None, None
    if identity is not None:
        report.inbox_items = await _forget_inbox(session, identity.external_hash)
        await session.execute(
            delete(SenderRate).where(SenderRate.sender_hash == identity.external_hash)
        )
        for table, cls in _tables_with("identity_id"):
            _count(
                report.other_rows,
                table.name,
                await _delete_where(session, table, cls, "identity_id", [identity.id]),
            )
        await session.delete(identity)
        report.addresses = 1
    await session.flush()
    _wake_after_commit(session)
    return report


async def forget_identity(session: AsyncSession, conv: Conversation) -> None:
    """Old name of `forget_resident` (kept for callers that do not read the report)."""
    await forget_resident(session, conv)


async def _delete_unanswered(session: AsyncSession, conv_ids: Sequence[str], channel: str) -> int:
    from bot.privacy.redact import redact

    texts = (
        await session.scalars(
            select(Message.text).where(
                Message.conversation_id.in_(conv_ids), Message.direction == "in"
            )
        )
    ).all()
    redacted = sorted({redact(t) for t in texts if t and t.strip()})
    removed = 0
    for start in range(0, len(redacted), BATCH):
        result = await session.execute(
            delete(UnansweredQuestion).where(
                UnansweredQuestion.text_redacted.in_(redacted[start : start + BATCH]),
                UnansweredQuestion.channel == channel,
            )
        )
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


async def _delete_outbox(
    session: AsyncSession,
    conv_ids: Sequence[str],
    identity: ChannelIdentity | None,
    keep_ids: Sequence[int],
) -> int:
    result = await session.execute(
        delete(OutboxItem).where(
            OutboxItem.conversation_id.in_(conv_ids), OutboxItem.id.not_in(keep_ids)
        )
    )
    removed = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if identity is not None:  # items sent without a conversation (none today, but an address)
        result = await session.execute(
            delete(OutboxItem).where(
                OutboxItem.conversation_id.is_(None),
                OutboxItem.channel == identity.channel,
                OutboxItem.address == identity.address,
            )
        )
        removed += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return removed


async def _forget_inbox(session: AsyncSession, sender_hash: str) -> int:
    """Delete the resident's processed inbox items; empty the one being processed now.

    Items still pending that this transaction does not hold were sent after the request and
    start a new conversation.
    """
    emptied = 0
    for obj in list(session.identity_map.values()):
        if isinstance(obj, InboxItem) and obj.sender_hash == sender_hash:
            obj.body, obj.sender_hash = {}, FORGOTTEN
            emptied += 1
    result = await session.execute(
        delete(InboxItem).where(InboxItem.sender_hash == sender_hash, InboxItem.status != "pending")
    )
    return emptied + int(result.rowcount or 0)  # type: ignore[attr-defined]


def _wake_after_commit(session: AsyncSession) -> None:
    def wake(_session: Any) -> None:
        for waker in list(_wakers):
            waker.set()

    event.listen(session.sync_session, "after_commit", wake, once=True)


# --- after the commit: empty rows and Rasa's copy ---------------------------------------------


async def _delete_conversations(session: AsyncSession, conv_ids: Sequence[str]) -> None:
    """Delete conversation rows and every row that names them (audit log excepted)."""
    for table, cls in _tables_with("conversation_id"):
        await _delete_where(session, table, cls, "conversation_id", conv_ids)
    await session.execute(delete(OutboxItem).where(OutboxItem.conversation_id.in_(conv_ids)))
    await session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
    await session.execute(delete(Conversation).where(Conversation.id.in_(conv_ids)))


async def sweep_forgotten(
    factory: async_sessionmaker[AsyncSession], tracker: RasaTrackerStore
) -> int:
    """Delete Rasa's events of forgotten conversations, then the empty rows once their last
    reply is out; return the number of conversation rows deleted."""
    gone, _waiting = await _sweep(factory, tracker)
    return gone


async def _sweep(
    factory: async_sessionmaker[AsyncSession], tracker: RasaTrackerStore
) -> tuple[int, int]:
    """`sweep_forgotten`, also returning how many rows still wait for their last reply."""
    async with factory() as session:
        ids = list(
            (
                await session.scalars(
                    select(Conversation.id)
                    .where(Conversation.identity_id.is_(None))
                    .order_by(Conversation.last_activity_at)
                    .limit(BATCH)
                )
            ).all()
        )
    if not ids:
        return 0, 0
    await tracker.delete_senders(ids)  # outside our transaction; Rasa never gets these ids again
    async with factory() as session:
        busy = set(
            (
                await session.scalars(
                    select(OutboxItem.conversation_id).where(
                        OutboxItem.conversation_id.in_(ids), OutboxItem.status == "pending"
                    )
                )
            ).all()
        )
        gone = [i for i in ids if i not in busy]
        if gone:
            await _delete_conversations(session, gone)
        await session.execute(
            delete(InboxItem).where(
                InboxItem.sender_hash == FORGOTTEN, InboxItem.status != "pending"
            )
        )
        await session.commit()
    return len(gone), len(ids) - len(gone)


# --- retention ----------------------------------------------------------------------------------


async def purge(
    session: AsyncSession, policy: RetentionPolicy, *, now: datetime | None = None
) -> PurgeReport:
    """Retention in our tables, in the caller's transaction.

    Conversations without activity for longer than their municipality's retention are emptied
    like a forget-me (the loop deletes their rows and Rasa's copy after the commit). In longer
    conversations, messages, notes and events older than the limit go. Addresses whose
    conversations are all gone, old inbox and outbox items and old unanswered questions go too.
    """
    now = now or utcnow()
    report = PurgeReport()
    codes = set(
        (await session.scalars(select(Conversation.municipality_code).distinct())).all()
    ) | set((await session.scalars(select(UnansweredQuestion.municipality_code).distinct())).all())
    for code in sorted(codes, key=lambda c: c or ""):
        cutoff = policy.cutoff(code, now)
        same_code = (
            Conversation.municipality_code.is_(None)
            if code is None
            else Conversation.municipality_code == code
        )
        old = list(
            (
                await session.scalars(
                    select(Conversation.id).where(
                        same_code,
                        Conversation.last_activity_at < cutoff,
                        Conversation.identity_id.is_not(None),
                    )
                )
            ).all()
        )
        for start in range(0, len(old), BATCH):
            await _empty_conversations(session, old[start : start + BATCH], report)
        report.conversations += len(old)
        kept = select(Conversation.id).where(same_code).scalar_subquery()
        result = await session.execute(
            delete(Message).where(Message.conversation_id.in_(kept), Message.created_at < cutoff)
        )
        report.messages += int(result.rowcount or 0)  # type: ignore[attr-defined]
        for table, cls in _tables_with("conversation_id"):
            if cls is None or not hasattr(cls, "created_at"):
                continue
            result = await session.execute(
                delete(cls).where(cls.conversation_id.in_(kept), cls.created_at < cutoff)
            )
            _count(report.other_rows, table.name, int(result.rowcount or 0))  # type: ignore[attr-defined]
        same_muni = (
            UnansweredQuestion.municipality_code.is_(None)
            if code is None
            else UnansweredQuestion.municipality_code == code
        )
        result = await session.execute(
            delete(UnansweredQuestion).where(same_muni, UnansweredQuestion.occurred_at < cutoff)
        )
        report.unanswered += int(result.rowcount or 0)  # type: ignore[attr-defined]
    report.addresses += await _delete_unused_identities(session)
    strictest = policy.strictest_cutoff(now)
    result = await session.execute(  # also items never processed: stuck that long, they are lost
        delete(InboxItem).where(InboxItem.received_at < strictest)
    )
    report.inbox_items += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(
        update(InboxItem)
        .where(
            InboxItem.status == "done",
            InboxItem.received_at < now - timedelta(hours=INBOX_BODY_HOURS),
        )
        .values(body={})
    )
    result = await session.execute(
        delete(OutboxItem).where(OutboxItem.status != "pending", OutboxItem.created_at < strictest)
    )
    report.outbox_items += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await _purge_staff_leftovers(session, now)
    return report


async def _empty_conversations(
    session: AsyncSession, conv_ids: Sequence[str], report: PurgeReport
) -> None:
    """Empty old conversations as a forget-me does (the sweep deletes the rows afterwards)."""
    result = await session.execute(
        delete(OutboxItem).where(OutboxItem.conversation_id.in_(conv_ids))
    )
    report.outbox_items += int(result.rowcount or 0)  # type: ignore[attr-defined]
    result = await session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
    report.messages += int(result.rowcount or 0)  # type: ignore[attr-defined]
    for table, cls in _tables_with("conversation_id"):
        _count(
            report.other_rows,
            table.name,
            await _delete_where(session, table, cls, "conversation_id", conv_ids),
        )
    await session.execute(
        update(Conversation)
        .where(Conversation.id.in_(conv_ids))
        .values(identity_id=None, handover=None)
    )


async def _delete_unused_identities(session: AsyncSession) -> int:
    unused = select(ChannelIdentity.id, ChannelIdentity.external_hash).where(
        ~exists().where(Conversation.identity_id == ChannelIdentity.id)
    )
    rows = (await session.execute(unused)).all()
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    hashes = [r[1] for r in rows]
    for start in range(0, len(ids), BATCH):
        chunk_ids, chunk_hashes = ids[start : start + BATCH], hashes[start : start + BATCH]
        for table, cls in _tables_with("identity_id"):
            await _delete_where(session, table, cls, "identity_id", chunk_ids)
        await session.execute(delete(SenderRate).where(SenderRate.sender_hash.in_(chunk_hashes)))
        await session.execute(
            delete(InboxItem).where(
                InboxItem.sender_hash.in_(chunk_hashes), InboxItem.status != "pending"
            )
        )
        await session.execute(delete(ChannelIdentity).where(ChannelIdentity.id.in_(chunk_ids)))
    return len(ids)


async def _purge_staff_leftovers(session: AsyncSession, now: datetime) -> None:
    """Expired staff sessions and old login counters (staff data, kept no longer than needed)."""
    from bot.staff.retention import purge_staff

    await purge_staff(session, now)


async def purge_transcripts(session: AsyncSession, *, older_than_days: int) -> int:
    """Retention with one limit for every municipality; return the number of messages deleted."""
    report = await purge(session, RetentionPolicy(older_than_days))
    return report.messages


async def run_retention(
    factory: async_sessionmaker[AsyncSession],
    policy: RetentionPolicy,
    tracker: RasaTrackerStore,
    *,
    now: datetime | None = None,
) -> PurgeReport:
    """One full retention run: our tables (one transaction), then Rasa's copy, then the sweep."""
    now = now or utcnow()
    async with factory() as session:
        report = await purge(session, policy, now=now)
        await session.commit()
    report.rasa_events += await _trim_rasa(factory, policy, tracker, now)
    while await sweep_forgotten(factory, tracker) >= BATCH:
        pass
    return report


async def _trim_rasa(
    factory: async_sessionmaker[AsyncSession],
    policy: RetentionPolicy,
    tracker: RasaTrackerStore,
    now: datetime,
) -> int:
    """Delete Rasa's events older than the limit of their conversation's municipality.

    Conversations Rasa has but we do not (purged already, or never ours) get the default limit.
    """
    candidates = await tracker.senders_with_events_before(policy.strictest_cutoff(now))
    codes: dict[str, str | None] = {}
    async with factory() as session:
        for start in range(0, len(candidates), BATCH):
            rows = await session.execute(
                select(Conversation.id, Conversation.municipality_code).where(
                    Conversation.id.in_(candidates[start : start + BATCH])
                )
            )
            codes.update({str(r[0]): r[1] for r in rows})
    groups: dict[str | None, list[str]] = {}
    for sender in candidates:
        groups.setdefault(codes.get(sender), []).append(sender)
    removed = 0
    for code, ids in groups.items():
        removed += await tracker.delete_before(ids, policy.cutoff(code, now))
    return removed


# --- the background loop ------------------------------------------------------------------------


async def retention_loop(
    factory: async_sessionmaker[AsyncSession], settings: Settings, stop: asyncio.Event
) -> None:
    """Sweep forgotten conversations (at once after a forget-me, soon again while one waits for
    its confirmation to go out, else every 30 s) and run the retention purge every hour, until
    ``stop`` is set."""
    policy = RetentionPolicy.from_settings(settings)
    tracker = RasaTrackerStore(settings.rasa_tracker_url)
    wake = asyncio.Event()
    _wakers.add(wake)
    next_purge = 0.0
    busy = 0.0  # the pause while a forgotten conversation waits for its last reply
    try:
        while not stop.is_set():
            wake.clear()
            waiting = 0
            try:
                if time.monotonic() >= next_purge:
                    report = await run_retention(factory, policy, tracker)
                    next_purge = time.monotonic() + PURGE_SECONDS
                    logger.info(
                        "retention: %s conversations, %s messages, %s Rasa events deleted",
                        report.conversations,
                        report.messages,
                        report.rasa_events,
                    )
                _gone, waiting = await _sweep(factory, tracker)
            except Exception:  # noqa: BLE001 - retried on the next round
                logger.exception("retention or forget-me sweep failed")
            if waiting:  # soon again, less often the longer the reply takes
                busy = min(busy * 2, SWEEP_SECONDS) if busy else BUSY_FIRST_SECONDS
            else:
                busy = 0.0
            pause = busy or SWEEP_SECONDS
            stop_wait = asyncio.ensure_future(stop.wait())
            wake_wait = asyncio.ensure_future(wake.wait())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(
                    {stop_wait, wake_wait},
                    timeout=pause,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            stop_wait.cancel()
            wake_wait.cancel()
    finally:
        _wakers.discard(wake)
        await tracker.close()


async def warm_redaction(stop: asyncio.Event) -> None:
    """Load Deduce in a thread at start-up, so the first redaction does not wait for it."""
    from bot.privacy.deidentify import warm

    del stop
    try:
        await asyncio.to_thread(warm)
    except Exception:  # noqa: BLE001 - redaction loads it on first use instead
        logger.exception("could not load Deduce at start-up")
