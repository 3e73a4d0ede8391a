"""What deleting a resident's data means in our tables: forget-me, and the conversations' share
of the retention purge.

One module for both, so that what is deleted is listed once. In our tables: messages, notes,
handover summaries and handovers, conversation events, channel addresses, inbox and outbox
items, the resident's unanswered questions, and every other row that names the conversation
(tables of other parts included: any table of the app's metadata with a ``conversation_id`` or
``identity_id`` column). Analytics events stay (pseudonymous, no text); the staff audit log
stays (ids only). Rasa's own copy (its SQL tracker store) is deleted after our transaction has
committed, by the retention loop (`bot.privacy.retention`), which `forgotten` wakes.

A forgotten conversation keeps an empty row (no address, no text) until its last reply (the
confirmation) is sent; then the sweep deletes the row and Rasa's events of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, delete, event, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

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
from bot.privacy.redact import redact
from bot.privacy.retention import PurgeReport, RetentionPolicy, count_rows
from bot.storage.base import Base

FORGOTTEN = "forgotten"  # sender_hash of an inbox item whose resident was forgotten
# Tables that keep their rows: the staff audit log must stay complete (ids only, no resident text)
KEEP_TABLES = frozenset({"audit_log"})
OWN_HANDLING = frozenset({"conversations", "messages", "outbox", "channel_identities"})
INBOX_BODY_HOURS = 24  # a processed inbox item needs no copy of the message after a day
BATCH = 500


@dataclass
class ForgetReport:
    """What `Erasure.forget_resident` deleted (numbers of rows) and whose Rasa tracker goes."""

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


def _count(report_rows: dict[str, int], name: str, n: int) -> None:
    if n:
        report_rows[name] = report_rows.get(name, 0) + n


def _mapped_class(table: Table) -> Any:
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    return None


@dataclass
class Erasure:
    """Deletes residents' data in every table of ``metadata`` (the app's, `bot.schema`)."""

    metadata: MetaData
    # set after a forget-me commits: the retention loop sweeps at once
    forgotten: asyncio.Event = field(default_factory=asyncio.Event)

    # --- tables that name a conversation or an identity ---------------------------------------

    def tables_with(self, column: str) -> list[tuple[Table, Any]]:
        """Every table with ``column`` (dependents first), except the ones handled by name."""
        out = []
        for table in reversed(self.metadata.sorted_tables):
            if column in table.c and table.name not in KEEP_TABLES | OWN_HANDLING:
                out.append((table, _mapped_class(table)))
        return out

    async def _delete_where(
        self, session: AsyncSession, table: Table, cls: Any, column: str, values: Sequence[Any]
    ) -> int:
        """Delete rows whose ``column`` is in ``values`` (through the ORM class when there is
        one, so that objects the caller holds are marked deleted too)."""
        if not values:
            return 0
        target = cls if cls is not None else table
        col = getattr(cls, column) if cls is not None else table.c[column]
        return count_rows(await session.execute(delete(target).where(col.in_(list(values)))))

    # --- forget-me ------------------------------------------------------------------------------

    async def forget_resident(self, session: AsyncSession, conv: Conversation) -> ForgetReport:
        """Erase, in the caller's transaction, everything about this resident in our tables.

        Every conversation of the resident on this channel is emptied: messages, notes,
        summaries, handovers, events, inbox and outbox items, the unanswered questions they
        asked, and the channel address. Replies enqueued earlier in this same transaction for
        ``conv`` and not flushed yet (the confirmation) are kept so that they can still be sent;
        the outbox empties them when sent. Rasa's tracker of each conversation is deleted after
        the commit by the sweep. The caller moves ``conv`` to closed.
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

        identity = (
            await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None
        )
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
        report.unanswered = await self._delete_unanswered(session, conv_ids, conv.channel)
        report.outbox_items = await self._delete_outbox(
            session, conv_ids, identity, keep_outbox_ids
        )
        report.messages = count_rows(
            await session.execute(
                delete(Message).where(
                    Message.conversation_id.in_(conv_ids), Message.id.not_in(keep_message_ids)
                )
            )
        )
        for table, cls in self.tables_with("conversation_id"):
            n = await self._delete_where(session, table, cls, "conversation_id", conv_ids)
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
            report.inbox_items = await self._forget_inbox(session, identity.external_hash)
            await session.execute(
                delete(SenderRate).where(SenderRate.sender_hash == identity.external_hash)
            )
            for table, cls in self.tables_with("identity_id"):
                _count(
                    report.other_rows,
                    table.name,
                    await self._delete_where(session, table, cls, "identity_id", [identity.id]),
                )
            await session.delete(identity)
            report.addresses = 1
        await session.flush()
        self._wake_after_commit(session)
        return report

    async def _delete_unanswered(
        self, session: AsyncSession, conv_ids: Sequence[str], channel: str
    ) -> int:
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
            removed += count_rows(
                await session.execute(
                    delete(UnansweredQuestion).where(
                        UnansweredQuestion.text_redacted.in_(redacted[start : start + BATCH]),
                        UnansweredQuestion.channel == channel,
                    )
                )
            )
        return removed

    async def _delete_outbox(
        self,
        session: AsyncSession,
        conv_ids: Sequence[str],
        identity: ChannelIdentity | None,
        keep_ids: Sequence[int],
    ) -> int:
        removed = count_rows(
            await session.execute(
                delete(OutboxItem).where(
                    OutboxItem.conversation_id.in_(conv_ids), OutboxItem.id.not_in(keep_ids)
                )
            )
        )
        if identity is not None:  # items sent without a conversation (none today, but an address)
            removed += count_rows(
                await session.execute(
                    delete(OutboxItem).where(
                        OutboxItem.conversation_id.is_(None),
                        OutboxItem.channel == identity.channel,
                        OutboxItem.address == identity.address,
                    )
                )
            )
        return removed

    async def _forget_inbox(self, session: AsyncSession, sender_hash: str) -> int:
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
            delete(InboxItem).where(
                InboxItem.sender_hash == sender_hash, InboxItem.status != "pending"
            )
        )
        return emptied + count_rows(result)

    def _wake_after_commit(self, session: AsyncSession) -> None:
        forgotten = self.forgotten

        def wake(_session: Session) -> None:
            forgotten.set()

        event.listen(session.sync_session, "after_commit", wake, once=True)

    # --- after the commit: empty rows and Rasa's copy -----------------------------------------

    async def _delete_conversations(self, session: AsyncSession, conv_ids: Sequence[str]) -> None:
        """Delete conversation rows and every row that names them (audit log excepted)."""
        for table, cls in self.tables_with("conversation_id"):
            await self._delete_where(session, table, cls, "conversation_id", conv_ids)
        await session.execute(delete(OutboxItem).where(OutboxItem.conversation_id.in_(conv_ids)))
        await session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
        await session.execute(delete(Conversation).where(Conversation.id.in_(conv_ids)))

    async def sweep(
        self, factory: async_sessionmaker[AsyncSession], tracker: RasaTrackerStore
    ) -> tuple[int, int]:
        """Delete Rasa's events of forgotten conversations, then the empty rows once their last
        reply is out; return the rows deleted and the rows still waiting for their last reply."""
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
        await tracker.delete_senders(ids)  # outside our transaction; Rasa never gets these again
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
                await self._delete_conversations(session, gone)
            await session.execute(
                delete(InboxItem).where(
                    InboxItem.sender_hash == FORGOTTEN, InboxItem.status != "pending"
                )
            )
            await session.commit()
        return len(gone), len(ids) - len(gone)

    async def sweep_all(
        self, factory: async_sessionmaker[AsyncSession], tracker: RasaTrackerStore
    ) -> int:
        """Sweep until no batch is full; return the conversation rows deleted."""
        total = 0
        while True:
            gone, _waiting = await self.sweep(factory, tracker)
            total += gone
            if gone < BATCH:
                return total

    # --- retention --------------------------------------------------------------------------

    async def purge(
        self, session: AsyncSession, policy: RetentionPolicy, now: datetime, report: PurgeReport
    ) -> None:
        """The conversations' share of retention, in the caller's transaction.

        Conversations without activity for longer than their municipality's retention are
        emptied like a forget-me (the sweep deletes their rows and Rasa's copy after the
        commit). In longer conversations, messages, notes and events older than the limit go.
        Addresses whose conversations are all gone and old inbox and outbox items go too.
        """
        codes = set(
            (await session.scalars(select(Conversation.municipality_code).distinct())).all()
        )
        for code in sorted(codes, key=lambda c: c or ""):
            cutoff = policy.cutoff(code, now)
            same_code: ColumnElement[bool] = (
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
                await self._empty_conversations(session, old[start : start + BATCH], report)
            report.conversations += len(old)
            kept = select(Conversation.id).where(same_code).scalar_subquery()
            report.messages += count_rows(
                await session.execute(
                    delete(Message).where(
                        Message.conversation_id.in_(kept), Message.created_at < cutoff
                    )
                )
            )
            for table, cls in self.tables_with("conversation_id"):
                if cls is None or not hasattr(cls, "created_at"):
                    continue
                result = await session.execute(
                    delete(cls).where(cls.conversation_id.in_(kept), cls.created_at < cutoff)
                )
                _count(report.other_rows, table.name, count_rows(result))
        report.addresses += await self._delete_unused_identities(session)
        strictest = policy.strictest_cutoff(now)
        # also items never processed: stuck that long, they are lost
        report.inbox_items += count_rows(
            await session.execute(delete(InboxItem).where(InboxItem.received_at < strictest))
        )
        await session.execute(
            update(InboxItem)
            .where(
                InboxItem.status == "done",
                InboxItem.received_at < now - timedelta(hours=INBOX_BODY_HOURS),
            )
            .values(body={})
        )
        report.outbox_items += count_rows(
            await session.execute(
                delete(OutboxItem).where(
                    OutboxItem.status != "pending", OutboxItem.created_at < strictest
                )
            )
        )

    async def _empty_conversations(
        self, session: AsyncSession, conv_ids: Sequence[str], report: PurgeReport
    ) -> None:
        """Empty old conversations as a forget-me does (the sweep deletes the rows afterwards)."""
        report.outbox_items += count_rows(
            await session.execute(
                delete(OutboxItem).where(OutboxItem.conversation_id.in_(conv_ids))
            )
        )
        report.messages += count_rows(
            await session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
        )
        for table, cls in self.tables_with("conversation_id"):
            _count(
                report.other_rows,
                table.name,
                await self._delete_where(session, table, cls, "conversation_id", conv_ids),
            )
        await session.execute(
            update(Conversation)
            .where(Conversation.id.in_(conv_ids))
            .values(identity_id=None, handover=None)
        )

    async def _delete_unused_identities(self, session: AsyncSession) -> int:
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
            for table, cls in self.tables_with("identity_id"):
                await self._delete_where(session, table, cls, "identity_id", chunk_ids)
            await session.execute(
                delete(SenderRate).where(SenderRate.sender_hash.in_(chunk_hashes))
            )
            await session.execute(
                delete(InboxItem).where(
                    InboxItem.sender_hash.in_(chunk_hashes), InboxItem.status != "pending"
                )
            )
            await session.execute(delete(ChannelIdentity).where(ChannelIdentity.id.in_(chunk_ids)))
        return len(ids)

    async def municipalities(
        self, factory: async_sessionmaker[AsyncSession], conv_ids: Sequence[str]
    ) -> dict[str, str | None]:
        """The municipality code of each of these conversations we still have."""
        codes: dict[str, str | None] = {}
        async with factory() as session:
            for start in range(0, len(conv_ids), BATCH):
                rows = await session.execute(
                    select(Conversation.id, Conversation.municipality_code).where(
                        Conversation.id.in_(conv_ids[start : start + BATCH])
                    )
                )
                codes.update({str(r[0]): r[1] for r in rows})
        return codes
