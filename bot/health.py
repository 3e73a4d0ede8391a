"""What each part of this instance last reported (database, Redis, Rasa, every loop), for /readyz.

Loops call ``ok`` after work that went well and ``failing`` when a dependency failed; they keep
running either way (with backoff). ``/readyz`` is 503 while a required part fails or a loop
has not reported for too long, so a load balancer takes the instance out until it recovers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from aiohttp import web

STALE_SECONDS = 120.0


@dataclass
class PartState:
    """The last report of one part."""

    ok: bool = True
    error: str = ""
    since: float = field(default_factory=time.monotonic)
    beat: float = field(default_factory=time.monotonic)
    required: bool = True


class Health:
    """Reports of the parts of one gateway instance."""

    def __init__(self) -> None:
        self._parts: dict[str, PartState] = {}

    def register(self, name: str, *, required: bool = True) -> None:
        """Announce a part before its first report (a loop that never reports is stale)."""
        self._parts.setdefault(name, PartState(required=required))

    def ok(self, name: str) -> None:
        """The part works."""
        state = self._parts.setdefault(name, PartState())
        now = time.monotonic()
        if not state.ok:
            state.ok, state.error, state.since = True, "", now
        state.beat = now

    def failing(self, name: str, error: BaseException | str) -> None:
        """The part failed (an error class name, never a message with data in it)."""
        state = self._parts.setdefault(name, PartState())
        now = time.monotonic()
        text = error if isinstance(error, str) else error.__class__.__name__
        if state.ok:
            state.since = now
        state.ok, state.error, state.beat = False, text[:80], now

    def beat(self, name: str) -> None:
        """The loop is alive (idle is fine)."""
        self._parts.setdefault(name, PartState()).beat = time.monotonic()

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Every part: ok, error, seconds in this state, whether it blocks readiness."""
        now = time.monotonic()
        out: dict[str, dict[str, object]] = {}
        for name, state in sorted(self._parts.items()):
            stale = now - state.beat > STALE_SECONDS
            out[name] = {
                "ok": state.ok and not stale,
                "error": "no report" if stale and state.ok else state.error,
                "for_seconds": round(now - state.since, 1),
                "required": state.required,
            }
        return out

    def ready(self) -> bool:
        """True when every required part works."""
        return all(p["ok"] for p in self.snapshot().values() if p["required"])


HEALTH = web.AppKey("health", Health)
