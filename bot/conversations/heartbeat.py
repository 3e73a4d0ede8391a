"""One heartbeat per running instance (table `instances`), shared by its worker loops.

The row says the instance is alive; other instances take over its leased items once it has been
silent for ``queue.DEAD_AFTER``. It beats every ``queue.HEARTBEAT_SECONDS`` while any loop of
the instance runs, a loop's last round (its drain) included, and stops when the last one ends.
Before, each loop beat on its own: two writes per instance every few seconds where one says the
same.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import queue

logger = logging.getLogger(__name__)


class Heartbeat:
    """Beats while held; tells a loop when it may take over the items of silent instances."""

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        owner: str,
        *,
        every: float = queue.HEARTBEAT_SECONDS,
    ) -> None:
        self._factory, self.owner, self._every = factory, owner, every
        self._holders = 0
        self._task: asyncio.Task[None] | None = None
        self._beating_since: float | None = None
        self.beats = 0  # successful beats since the start

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[Heartbeat]:
        """Beat while the caller runs; the first holder starts the beat, the last one stops it."""
        self._holders += 1
        if self._task is None:
            self._task = asyncio.ensure_future(self._beat())
        try:
            yield self
        finally:
            self._holders -= 1
            if self._holders == 0 and self._task is not None:
                task, self._task = self._task, None
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                self._beating_since = None

    @property
    def running(self) -> bool:
        return self._task is not None

    async def _beat(self) -> None:
        while True:
            try:
                await queue.beat(self._factory, self.owner)
            except Exception as exc:  # noqa: BLE001 - the database is down: the loops say so
                self._beating_since = None
                logger.debug("heartbeat failed (%s)", exc.__class__.__name__)
            else:
                self.beats += 1
                if self._beating_since is None:
                    self._beating_since = time.monotonic()
            await asyncio.sleep(self._every)

    def steady_in(self) -> float | None:
        """Seconds until this instance may take over the items of silent ones (0: now); None
        while its own heartbeat fails (after a database outage every instance looks dead)."""
        if self._beating_since is None:
            return None
        return max(0.0, queue.STEADY_AFTER - (time.monotonic() - self._beating_since))
