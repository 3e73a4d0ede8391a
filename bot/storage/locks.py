"""Leader locks: one runner per cluster for loops like the retention purge and timeouts.

With Redis, a lock is a key with an owner and a time to live (SET NX PX), renewed while the
loop runs; an instance that cannot renew (Redis down, a long pause) stops its loop, and
another instance takes over once the key expired. Without Redis every lock is held at once:
that is right for the one instance the SQLite default allows.

Use: ``locks.only_leader("retention", loop)`` wraps ``loop(stop)``, which runs until ``stop``
is set (the app factory does this for its cluster-wide loops).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

logger = logging.getLogger(__name__)
Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaderLock:
    """One named lock; ``acquire`` and ``renew`` return whether we hold it."""

    def __init__(self, redis: Any, key: str, owner: str, ttl: float) -> None:
        self._redis, self.key, self.owner, self.ttl = redis, key, owner, ttl
        self._renew = redis.register_script(_RENEW) if redis is not None else None
        self._release = redis.register_script(_RELEASE) if redis is not None else None

    async def acquire(self) -> bool:
        """Take the lock if it is free (or ours)."""
        if self._redis is None:
            return True
        if await self._redis.set(self.key, self.owner, nx=True, px=int(self.ttl * 1000)):
            return True
        return await self.renew()

    async def renew(self) -> bool:
        """Extend the lock while it is ours."""
        if self._renew is None:
            return True
        return bool(await self._renew(keys=[self.key], args=[self.owner, int(self.ttl * 1000)]))

    async def release(self) -> None:
        """Let another instance take over at once."""
        if self._release is not None:
            await self._release(keys=[self.key], args=[self.owner])


class Locks:
    """Leader locks of one instance (Redis shared by the cluster, or none for one instance)."""

    def __init__(
        self,
        redis: Any = None,
        *,
        prefix: str = "geldhulp:",
        owner: str | None = None,
        health: Any = None,
    ) -> None:
        self._redis, self._prefix, self._health = redis, prefix, health
        self.owner = owner or secrets.token_hex(8)

    def lock(self, name: str, ttl: float = 30.0) -> LeaderLock:
        """The lock called ``name``."""
        return LeaderLock(self._redis, f"{self._prefix}leader:{name}", self.owner, ttl)

    def only_leader(self, name: str, loop: Loop, ttl: float = 30.0) -> Loop:
        """A loop that runs ``loop`` only while this instance holds the lock ``name``."""

        async def run(stop: asyncio.Event) -> None:
            await run_as_leader(self.lock(name, ttl), loop, stop, health=self._health, part=name)

        return run


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_as_leader(
    lock: LeaderLock, loop: Loop, stop: asyncio.Event, *, health: Any = None, part: str = ""
) -> None:
    """Run ``loop`` while holding ``lock``; wait (and retry) while another instance holds it."""
    name = f"leader:{part or lock.key}"
    if health is not None:
        health.register(name, required=False)
    while not stop.is_set():
        try:
            held = await lock.acquire()
        except Exception as exc:  # noqa: BLE001 - Redis down: nobody can be sure; wait
            if health is not None:
                health.failing(name, exc)
            await _wait(stop, lock.ttl / 3)
            continue
        if health is not None:
            health.ok(name)
        if not held:
            await _wait(stop, lock.ttl / 3)
            continue
        inner = asyncio.Event()
        task = asyncio.create_task(loop(inner))
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set() and not task.done():
                done, _ = await asyncio.wait(
                    [task, stopping], timeout=lock.ttl / 3, return_when=asyncio.FIRST_COMPLETED
                )
                if task in done or stop.is_set():
                    break
                try:
                    still = await lock.renew()
                except Exception:  # noqa: BLE001 - cannot renew: stop before it expires
                    still = False
                if not still:
                    logger.warning("lost the leader lock %s; stopping its loop", part)
                    break
        finally:
            stopping.cancel()
            inner.set()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=30)
            with contextlib.suppress(Exception):
                await lock.release()
        if task.done() and not task.cancelled() and task.exception() is not None:
            logger.error("leader loop %s failed (%s)", part, task.exception().__class__.__name__)
            await _wait(stop, lock.ttl / 3)
