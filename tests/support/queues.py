"""Wait until a gateway has nothing left to do: the condition that replaces "sleep a second, then
check nothing more was sent"."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import func, select

from bot.conversations.tables import InboxItem, OutboxItem
from bot.storage.db import open_database

UNFINISHED = ("pending", "sending")  # an item in either can still lead to a message


async def wait_settled(db_url: str, timeout: float = 30.0) -> None:
    """Return once no inbox item waits and no outbox item waits or is being sent: from then on
    nothing more goes out unless a new message comes in."""
    deadline = time.monotonic() + timeout
    async with open_database(db_url) as (_engine, factory):
        while True:
            async with factory() as s:
                inbox = await s.scalar(
                    select(func.count(InboxItem.id)).where(InboxItem.status.in_(UNFINISHED))
                )
                outbox = await s.scalar(
                    select(func.count(OutboxItem.id)).where(OutboxItem.status.in_(UNFINISHED))
                )
            if not inbox and not outbox:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not settled after {timeout}s: {inbox} in, {outbox} out")
            await asyncio.sleep(0.05)
