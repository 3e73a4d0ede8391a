"""Typing indicators both ways, with no content and nothing kept.

A web-chat resident typing marks their conversation for `RESIDENT_SECONDS` (in this process, or
as a Redis key that expires, so a console on another instance sees it too); the console shows
"… typt" while the mark lasts. A person typing in the console is passed to the resident's channel
when it can show it (`TypingChannel`: the web chat's status line, Telegram's sendChatAction), at
most once per `STAFF_EVERY` seconds per resident. Failures are logged by class name and dropped:
a typing indicator is never worth a retry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

logger = logging.getLogger(__name__)
RESIDENT_SECONDS = 6.0  # how long one "typing" from a resident lasts
STAFF_EVERY = 4.0  # at most one indicator per resident this often (Telegram's lasts 5 s)


@runtime_checkable
class TypingChannel(Protocol):
    """A channel that can show the resident that someone is typing."""

    async def typing(self, address: str) -> None:
        """Show "typing" to the resident at ``address`` (no content). Raises ChannelError."""


class TypingSignals:
    """Who is typing now, in both directions (no content, nothing stored)."""

    def __init__(
        self,
        channels: Mapping[str, object] | None = None,
        redis: Any = None,
        prefix: str = "geldhulp:",
        clock: Any = time.monotonic,
    ) -> None:
        self._channels = channels or {}
        self._redis, self._prefix, self._clock = redis, f"{prefix}typing:", clock
        self._resident: dict[str, float] = {}  # conversation id -> until (this process)
        self._staff: dict[tuple[str, str], float] = {}  # (channel, address) -> last sent

    async def resident_typing(self, conversation_id: str) -> None:
        """The resident of this conversation is typing (a web-chat event)."""
        now = self._clock()
        self._resident = {k: v for k, v in self._resident.items() if v > now}
        self._resident[conversation_id] = now + RESIDENT_SECONDS
        if self._redis is not None:
            try:
                await self._redis.set(
                    self._prefix + conversation_id, b"1", px=int(RESIDENT_SECONDS * 1000)
                )
            except Exception as exc:  # noqa: BLE001 - this instance still knows
                logger.warning("typing mark not shared (%s)", exc.__class__.__name__)

    async def resident_is_typing(self, conversation_id: str) -> bool:
        """True while the resident's last typing event is recent."""
        if self._resident.get(conversation_id, 0.0) > self._clock():
            return True
        if self._redis is None:
            return False
        try:
            return bool(await self._redis.exists(self._prefix + conversation_id))
        except Exception as exc:  # noqa: BLE001 - then we only know our own
            logger.warning("typing mark not read (%s)", exc.__class__.__name__)
            return False

    async def staff_typing(self, channel: str, address: str) -> bool:
        """Show the resident that a person types; False when not sent (too soon, or the
        channel cannot show it, or it failed)."""
        target = self._channels.get(channel)
        if not isinstance(target, TypingChannel):
            return False
        key, now = (channel, address), self._clock()
        if now - self._staff.get(key, -STAFF_EVERY) < STAFF_EVERY:
            return False
        self._staff = {k: v for k, v in self._staff.items() if now - v < STAFF_EVERY}
        self._staff[key] = now
        try:
            await target.typing(address)
        except Exception as exc:  # noqa: BLE001 - an indicator is never retried
            logger.info("typing indicator not sent on %s (%s)", channel, exc.__class__.__name__)
            return False
        return True
