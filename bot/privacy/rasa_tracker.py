"""Rasa's SQL tracker store seen from the gateway: delete a conversation's events, trim old ones.

Rasa keeps every message of a conversation in its table ``events`` (``sender_id`` = our
conversation id, ``timestamp`` = seconds since 1970). Retention and "verwijder mijn gegevens"
delete there too; these calls run outside our own database transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.db import create_engine

logger = logging.getLogger(__name__)
BATCH = 500
TIMEOUT = 60.0  # seconds for one statement on Rasa's database

_META = sa.MetaData()
EVENTS = sa.Table(
    "events",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def _batches(items: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class RasaTrackerStore:
    """Deletes in Rasa's ``events`` table (the URL is ours: ``Settings.rasa_tracker_url``).

    An empty URL means Rasa keeps no SQL store we can reach: every call is then a no-op that
    says so in the log once. A store whose table does not exist yet (Rasa never started) holds
    nothing, so there is nothing to delete.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: AsyncEngine | None = None
        self._warned = False

    @property
    def configured(self) -> bool:
        """True when there is a SQL tracker store to delete from."""
        return bool(self._url)

    def _get_engine(self) -> AsyncEngine | None:
        if not self._url:
            if not self._warned:
                logger.warning("no Rasa tracker store configured: Rasa's copy is not purged")
                self._warned = True
            return None
        if self._engine is None:
            self._engine = create_engine(self._url)
        return self._engine

    async def _has_table(self, engine: AsyncEngine) -> bool:
        async with engine.connect() as conn:
            return bool(await conn.run_sync(lambda c: sa.inspect(c).has_table("events")))

    async def delete_senders(self, sender_ids: Sequence[str]) -> int:
        """Delete every event of these conversations; return the number of rows."""
        engine = self._get_engine()
        if engine is None or not sender_ids or not await self._has_table(engine):
            return 0
        removed = 0
        for batch in _batches(sender_ids):
            async with asyncio.timeout(TIMEOUT), engine.begin() as conn:
                result = await conn.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch)))
                removed += int(result.rowcount or 0)
        return removed

    async def delete_before(self, sender_ids: Sequence[str], cutoff: datetime) -> int:
        """Delete the events of these conversations that are older than ``cutoff``."""
        engine = self._get_engine()
        if engine is None or not sender_ids or not await self._has_table(engine):
            return 0
        removed = 0
        for batch in _batches(sender_ids):
            async with asyncio.timeout(TIMEOUT), engine.begin() as conn:
                result = await conn.execute(
                    sa.delete(EVENTS).where(
                        EVENTS.c.sender_id.in_(batch), EVENTS.c.timestamp < cutoff.timestamp()
                    )
                )
                removed += int(result.rowcount or 0)
        return removed

    async def senders_with_events_before(self, cutoff: datetime) -> list[str]:
        """Conversations that have at least one event older than ``cutoff``."""
        engine = self._get_engine()
        if engine is None or not await self._has_table(engine):
            return []
        async with asyncio.timeout(TIMEOUT), engine.connect() as conn:
            rows = await conn.execute(
                sa.select(EVENTS.c.sender_id)
                .where(EVENTS.c.timestamp < cutoff.timestamp())
                .group_by(EVENTS.c.sender_id)
            )
            return [str(r[0]) for r in rows]

    async def close(self) -> None:
        """Close the connection pool."""
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
