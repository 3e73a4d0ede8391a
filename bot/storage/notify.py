"""PostgreSQL LISTEN: wake this instance's workers when any instance (or the console) adds work.

The inbox and outbox tables have triggers (migration gateway_0002) that NOTIFY on new rows.
The listener keeps one connection of its own, reconnects after a database restart, and wakes
every worker after reconnecting (notifications sent meanwhile are lost, the work is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)
PING_SECONDS = 5.0


def asyncpg_dsn(url: str) -> str:
    """The plain libpq DSN of a SQLAlchemy ``postgresql+asyncpg://`` URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Calls ``wake[channel]()`` on every NOTIFY of that channel."""

    def __init__(
        self, url: str, wake: Mapping[str, Callable[[], None]], health: Any = None
    ) -> None:
        self._dsn, self._wake, self._health = asyncpg_dsn(url), dict(wake), health

    def _wake_all(self) -> None:
        for wake in self._wake.values():
            wake()

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until ``stop``; never ends on a database error."""
        errors = 0
        while not stop.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
                for channel, wake in self._wake.items():
                    await conn.add_listener(channel, lambda *_args, wake=wake: wake())
                errors = 0
                if self._health is not None:
                    self._health.ok("listener")
                self._wake_all()
                while not stop.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=PING_SECONDS)
                    await conn.execute("SELECT 1", timeout=5)  # a lost connection shows here
                    if self._health is not None:
                        self._health.ok("listener")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect with backoff
                errors += 1
                if self._health is not None:
                    self._health.failing("listener", exc)
                logger.warning("database listener lost (%s); reconnecting", exc.__class__.__name__)
                self._wake_all()  # the workers look for themselves meanwhile
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), timeout=min(10.0, 0.2 * 2 ** min(errors, 6))
                    )
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
