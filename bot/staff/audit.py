"""The staff audit log: who did what to which object, from where, with what result, and when.

Every console and dashboard action calls `record` in the same transaction as the action itself
(best at its end, after the action's own writes). Each entry carries the SHA-256 of the entry
before it, so that a changed or deleted entry breaks the chain: `verify_chain` (the command
`geldhulp audit verify`) finds it. The chain is written in id order by one transaction at a time:
PostgreSQL takes an advisory lock before the insert; SQLite already serialises writers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import Table, event, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.staff.tables import AuditEntry
from bot.storage.base import utcnow

GENESIS = "0" * 64
LOCK_KEY = 0x6E1D_A0D1  # pg_advisory_xact_lock key of the audit chain
_HOOKED = "audit_chain_hooked"


def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    conversation_id: str | None = None,
    object_ref: str | None = None,
    result: str = "ok",
    origin: str | None = None,
) -> None:
    """Add one audit entry (committed with the caller's transaction).

    ``actor_id`` is the staff member (None for a login attempt on an unknown account);
    ``object_ref`` names what was acted on when it is not a conversation ("team:3",
    "service:GM0518-inloop", "staff:12"); ``origin`` is the client address; ``result`` is "ok"
    or why not ("denied", "wrong_code" …). Never put resident text in any field.
    """
    _hook(session)
    session.add(
        AuditEntry(
            staff_id=actor_id,
            action=action[:40],
            conversation_id=conversation_id,
            object_ref=(object_ref or None) and object_ref[:120],
            result=result[:40],
            origin=(origin or None) and origin[:64],
            at=utcnow(),
            prev_hash="",
            hash="",
        )
    )


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """The chain hash of an entry: SHA-256 over the previous hash and every field."""
    at = entry.at.astimezone(UTC) if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    payload = json.dumps(
        [
            entry.id,
            at.isoformat(timespec="microseconds"),
            entry.staff_id,
            entry.action,
            entry.conversation_id,
            entry.object_ref,
            entry.result,
            entry.origin,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _hook(session: AsyncSession) -> None:
    sync = session.sync_session
    if sync.info.get(_HOOKED):
        return
    sync.info[_HOOKED] = True
    event.listen(sync, "before_flush", _lock_chain)
    event.listen(sync, "after_flush", _link_chain)


def _new_entries(sync: Session) -> list[AuditEntry]:
    return [o for o in sync.new if isinstance(o, AuditEntry)]


def _lock_chain(sync: Session, _context: Any, _instances: Any) -> None:
    """Before the insert: on PostgreSQL, one audit writer at a time until commit."""
    if _new_entries(sync) and sync.get_bind().dialect.name == "postgresql":
        sync.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _link_chain(sync: Session, _context: Any) -> None:
    """After the insert (ids known, writers serialised): link each new entry to the one before."""
    entries = sorted(_new_entries(sync), key=lambda e: e.id)
    if not entries:
        return
    conn = sync.connection()
    table: Table = AuditEntry.__table__  # type: ignore[assignment]
    prev = conn.execute(
        select(table.c.hash).where(table.c.id < entries[0].id).order_by(table.c.id.desc()).limit(1)
    ).scalar()
    prev = prev or GENESIS
    for entry in entries:
        digest = entry_hash(prev, entry)
        conn.execute(
            update(table).where(table.c.id == entry.id).values(prev_hash=prev, hash=digest)
        )
        set_committed_value(entry, "prev_hash", prev)
        set_committed_value(entry, "hash", digest)
        prev = digest


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain."""

    ok: bool
    entries: int
    head: str  # hash of the last entry (note it: a later check can show nothing was cut off)
    first_bad_id: int | None = None
    problem: str = ""
    head_found: bool | None = None  # whether an earlier noted head is still in the chain


class ChainChecker:
    """Checks entries fed in id order: every hash recomputed, every link to the entry before."""

    def __init__(self, noted_head: str | None = None) -> None:
        self.prev, self.count = GENESIS, 0
        self.noted_head = noted_head
        self.head_found = False
        self.failure: ChainReport | None = None

    def feed(self, entry: AuditEntry) -> bool:
        """Check one entry; False (and ``failure`` set) at the first broken one."""
        self.count += 1
        if entry.prev_hash != self.prev:
            problem = f"an entry before {entry.id} was deleted or changed"
            self.failure = ChainReport(False, self.count, self.prev, entry.id, problem)
            return False
        if entry.hash != entry_hash(self.prev, entry):
            problem = f"entry {entry.id} was changed"
            self.failure = ChainReport(False, self.count, self.prev, entry.id, problem)
            return False
        self.prev = entry.hash
        self.head_found = self.head_found or self.prev == self.noted_head
        return True

    def report(self) -> ChainReport:
        """The result after the last entry."""
        if self.failure is not None:
            return self.failure
        if self.noted_head is not None and not self.head_found:
            problem = "the noted head is not in the chain: entries were cut off or replaced"
            return ChainReport(False, self.count, self.prev, None, problem, False)
        found = None if self.noted_head is None else True
        return ChainReport(True, self.count, self.prev, head_found=found)


def check_entries(entries: Iterable[AuditEntry], *, noted_head: str | None = None) -> ChainReport:
    """Check entries in id order (see `ChainChecker`)."""
    checker = ChainChecker(noted_head)
    for entry in entries:
        if not checker.feed(entry):
            break
    return checker.report()


async def verify_chain(session: AsyncSession, *, noted_head: str | None = None) -> ChainReport:
    """Check the whole audit log, streamed in id order."""
    checker = ChainChecker(noted_head)
    result = await session.stream_scalars(
        select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=500)
    )
    async for entry in result:
        if not checker.feed(entry):
            break
    await result.close()
    return checker.report()
