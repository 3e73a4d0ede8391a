"""Counters shared by every instance: flood control per sender and pacing per chat.

With Redis configured they live in Redis (atomic Lua scripts, Redis's own clock), so all
gateway instances see the same counts; without it, in memory (one instance only). Keys are
hashes, never a phone number or chat id.
"""

from __future__ import annotations

import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

# KEYS[1] = counter; ARGV[1] = window in ms. Returns the count in the current window.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""
# KEYS[1] = last send; ARGV[1] = gap in ms. Returns ms to wait (0: go, and the slot is taken).
_RESERVE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local gap = tonumber(ARGV[1])
if now - last < gap then return gap - (now - last) end
redis.call('SET', KEYS[1], now, 'PX', gap * 4 + 1000)
return 0
"""
# KEYS[1] = flag; ARGV[1] = ttl in ms. Returns 1 the first time within the ttl.
_ONCE = "return redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) and 1 or 0"


class Counters:
    """In-memory counters for one instance (the default without Redis)."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[float, int]] = {}
        self._last: dict[str, float] = {}
        self._flags: dict[str, float] = {}

    async def count(self, key: str, window: float) -> int:
        """Add one to ``key`` and return the count within the current window."""
        now = time.monotonic()
        start, n = self._counts.get(key, (now, 0))
        if now - start > window:
            start, n = now, 0
        self._counts[key] = (start, n + 1)
        if len(self._counts) > 50_000:  # forget idle senders
            self._counts = {k: v for k, v in self._counts.items() if now - v[0] <= window}
        return n + 1

    async def reserve(self, key: str, gap: float) -> float:
        """Seconds to wait before the next send on ``key``; 0 means go (the slot is taken)."""
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < gap:
            return gap - (now - last)
        self._last[key] = now
        return 0.0

    async def once(self, key: str, ttl: float) -> bool:
        """True the first time within ``ttl`` seconds."""
        now = time.monotonic()
        if self._flags.get(key, 0.0) > now:
            return False
        self._flags[key] = now + ttl
        return True


class RedisCounters(Counters):
    """The same counters in Redis, shared by every instance (prefix keeps tenants apart).

    While Redis is unreachable they fall back to this instance's memory (logged), so a Redis
    outage slows nothing down and loses nothing; the counts are per instance meanwhile.
    """

    def __init__(self, redis: Any, prefix: str) -> None:
        super().__init__()
        self._redis, self._prefix = redis, prefix
        self._count = redis.register_script(_COUNT)
        self._reserve = redis.register_script(_RESERVE)
        self._once = redis.register_script(_ONCE)
        self._fallback_logged = False

    def _fallback(self, exc: Exception) -> None:
        if not self._fallback_logged:
            logger.warning("Redis unreachable (%s): counters in memory", exc.__class__.__name__)
            self._fallback_logged = True

    async def count(self, key: str, window: float) -> int:
        try:
            n = await self._count(keys=[f"{self._prefix}flood:{key}"], args=[int(window * 1000)])
        except Exception as exc:  # noqa: BLE001 - Redis down: this instance counts alone
            self._fallback(exc)
            return await super().count(key, window)
        self._fallback_logged = False
        return int(n)

    async def reserve(self, key: str, gap: float) -> float:
        try:
            wait = await self._reserve(keys=[f"{self._prefix}pace:{key}"], args=[int(gap * 1000)])
        except Exception as exc:  # noqa: BLE001
            self._fallback(exc)
            return await super().reserve(key, gap)
        return float(wait) / 1000.0

    async def once(self, key: str, ttl: float) -> bool:
        try:
            first = await self._once(keys=[f"{self._prefix}once:{key}"], args=[int(ttl * 1000)])
        except Exception as exc:  # noqa: BLE001
            self._fallback(exc)
            return await super().once(key, ttl)
        return bool(first)


# the outbox only needs reserve(); the name says what it is used for
Pacer = Counters
