"""Retention: how long a municipality keeps chats, and the loop that deletes what is older.

- `RetentionPolicy`: the default number of days from the settings, or a municipality's own.
  Read by the purge (what to delete) and by the privacy answer (what to tell residents), so
  that what the assistant says is what the purge does.
- `purge`: our tables in one transaction: the conversations' rows (through `ConversationData`,
  which `bot.conversations.erasure.Erasure` implements: the use-case core knows what its rows
  hold), old unanswered questions per municipality, expired staff login sessions.
- `trim_rasa`: Rasa's copy (its SQL tracker store), per municipality.
- `retention_loop`: the purge every hour and the forget-me sweep (at once after a forget-me,
  every 30 s otherwise); the app runs it on one instance of a cluster (a leader lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Result, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analytics.tables import UnansweredQuestion
from bot.privacy.rasa_tracker import RasaTrackerStore
from bot.settings import Settings, SettingsError
from bot.staff.tables import StaffSession
from bot.storage.base import utcnow

logger = logging.getLogger(__name__)
MIN_DAYS = 1
SWEEP_SECONDS = 30.0  # forgotten conversations are also swept when a forget-me commits
# a forgotten conversation whose confirmation is not sent yet is swept again soon (0.5 s,
# doubling up to SWEEP_SECONDS), so its empty row and the confirmation do not linger
BUSY_FIRST_SECONDS = 0.5
PURGE_SECONDS = 3600.0
# the first purge waits this long after the instance starts: a restarting instance answers the
# residents who waited first, and an instance that lives only briefly (a deploy that is rolled
# back, a test) does not scan every table for nothing; forgotten conversations are swept at once
PURGE_FIRST_SECONDS = 60.0


def parse_overrides(raw: str) -> dict[str, int]:
    """Parse ``"GM0363=30,GM0518=60"`` into ``{"GM0363": 30, "GM0518": 60}``.

    Raises:
        SettingsError: an entry is not ``CODE=DAYS`` or the days are not a whole number ≥ 1.
    """
    out: dict[str, int] = {}
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code, sep, days = part.partition("=")
        code, days = code.strip().upper(), days.strip()
        if not sep or not code or not days.isdigit() or int(days) < MIN_DAYS:
            raise SettingsError(
                "GELDHULP_RETENTION_DAYS_BY_MUNICIPALITY must look like GM0363=30,GM0518=60"
            )
        out[code] = int(days)
    return out


@dataclass(frozen=True)
class RetentionPolicy:
    """Days to keep transcripts: per municipality code, else the default."""

    default_days: int
    by_municipality: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_days < MIN_DAYS:
            raise SettingsError("GELDHULP_TRANSCRIPT_RETENTION_DAYS must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        """The policy the settings describe."""
        return cls(
            settings.transcript_retention_days,
            parse_overrides(settings.retention_days_by_municipality),
        )

    def days(self, municipality_code: str | None) -> int:
        """Days kept for conversations of this municipality (None: not known yet)."""
        if municipality_code and municipality_code.upper() in self.by_municipality:
            return self.by_municipality[municipality_code.upper()]
        return self.default_days

    def cutoff(self, municipality_code: str | None, now: datetime) -> datetime:
        """Everything of this municipality older than this moment goes."""
        return now - timedelta(days=self.days(municipality_code))

    def strictest_cutoff(self, now: datetime) -> datetime:
        """The most recent cutoff of all (for data that carries no municipality)."""
        return now - timedelta(days=min([self.default_days, *self.by_municipality.values()]))


def count_rows(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched (0 when the driver does not say)."""
    return int(getattr(result, "rowcount", 0) or 0)


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


class ConversationData(Protocol):
    """The conversations' tables as retention sees them (`bot.conversations.erasure.Erasure`).

    The use-case core knows what its rows hold; this module knows how long they may be kept,
    keeps its own (analytics) and the staff's tables, and trims Rasa's copy.
    """

    forgotten: asyncio.Event  # set when a forget-me committed: sweep at once

    async def purge(
        self, session: AsyncSession, policy: RetentionPolicy, now: datetime, report: PurgeReport
    ) -> None:
        """Empty old conversations and delete old rows, in the caller's transaction."""

    async def sweep(
        self, factory: async_sessionmaker[AsyncSession], tracker: RasaTrackerStore
    ) -> tuple[int, int]:
        """Delete forgotten conversations (and Rasa's events of them): (deleted, waiting)."""

    async def sweep_all(
        self, factory: async_sessionmaker[AsyncSession], tracker: RasaTrackerStore
    ) -> int:
        """Sweep until nothing forgotten is left to delete now."""

    async def municipalities(
        self, factory: async_sessionmaker[AsyncSession], conv_ids: Sequence[str]
    ) -> dict[str, str | None]:
        """The municipality code of each of these conversations we still have."""


async def purge(
    session: AsyncSession,
    conversations: ConversationData,
    policy: RetentionPolicy,
    *,
    now: datetime | None = None,
) -> PurgeReport:
    """Retention in our tables, in the caller's transaction: the conversations' rows, old
    unanswered questions per municipality, expired staff sessions."""
    now = now or utcnow()
    report = PurgeReport()
    await conversations.purge(session, policy, now, report)
    codes = set(
        (await session.scalars(select(UnansweredQuestion.municipality_code).distinct())).all()
    )
    for code in codes:
        same: ColumnElement[bool] = (
            UnansweredQuestion.municipality_code.is_(None)
            if code is None
            else UnansweredQuestion.municipality_code == code
        )
        report.unanswered += count_rows(
            await session.execute(
                delete(UnansweredQuestion).where(
                    same, UnansweredQuestion.occurred_at < policy.cutoff(code, now)
                )
            )
        )
    # staff data kept no longer than needed: expired login sessions
    await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    return report


async def run_retention(
    factory: async_sessionmaker[AsyncSession],
    conversations: ConversationData,
    policy: RetentionPolicy,
    tracker: RasaTrackerStore,
    *,
    now: datetime | None = None,
) -> PurgeReport:
    """One full retention run: our tables (one transaction), then Rasa's copy, then the sweep."""
    now = now or utcnow()
    async with factory() as session:
        report = await purge(session, conversations, policy, now=now)
        await session.commit()
    report.rasa_events += await trim_rasa(factory, conversations, policy, tracker, now)
    await conversations.sweep_all(factory, tracker)
    return report


async def trim_rasa(
    factory: async_sessionmaker[AsyncSession],
    conversations: ConversationData,
    policy: RetentionPolicy,
    tracker: RasaTrackerStore,
    now: datetime,
) -> int:
    """Delete Rasa's events older than the limit of their conversation's municipality.

    Conversations Rasa has but we do not (purged already, or never ours) get the default limit.
    """
    candidates = await tracker.senders_with_events_before(policy.strictest_cutoff(now))
    codes = await conversations.municipalities(factory, candidates)
    groups: dict[str | None, list[str]] = {}
    for sender in candidates:
        groups.setdefault(codes.get(sender), []).append(sender)
    removed = 0
    for code, ids in groups.items():
        removed += await tracker.delete_before(ids, policy.cutoff(code, now))
    return removed


async def retention_loop(
    factory: async_sessionmaker[AsyncSession],
    conversations: ConversationData,
    policy: RetentionPolicy,
    tracker_url: str,
    stop: asyncio.Event,
    *,
    first_purge_after: float = PURGE_FIRST_SECONDS,
) -> None:
    """Sweep forgotten conversations (at start, at once after a forget-me, soon again while one
    waits for its confirmation to go out, else every 30 s) and run the retention purge a minute
    after the start and then every hour, until ``stop`` is set. The app runs it on one instance
    of a cluster (a leader lock)."""
    tracker = RasaTrackerStore(tracker_url)
    wake = conversations.forgotten
    next_purge = time.monotonic() + first_purge_after
    busy = 0.0  # the pause while a forgotten conversation waits for its last reply
    try:
        while not stop.is_set():
            wake.clear()
            waiting = 0
            try:
                if time.monotonic() >= next_purge:
                    report = await run_retention(factory, conversations, policy, tracker)
                    next_purge = time.monotonic() + PURGE_SECONDS
                    logger.info(
                        "retention: %s conversations, %s messages, %s Rasa events deleted",
                        report.conversations,
                        report.messages,
                        report.rasa_events,
                    )
                _gone, waiting = await conversations.sweep(factory, tracker)
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
                    {stop_wait, wake_wait}, timeout=pause, return_when=asyncio.FIRST_COMPLETED
                )
            stop_wait.cancel()
            wake_wait.cancel()
    finally:
        await tracker.close()
