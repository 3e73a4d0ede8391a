"""Taking in one resident message: identify the sender, store it once, slow a flood, wake a worker.

Every channel hands its parsed messages here (webhooks, Telegram polling, the web chat's
socket). Deduplication comes first, so a channel's redeliveries never count against the
resident; a flooding sender is slowed down with one kind notice; a message is never dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import store
from bot.conversations.models import Inbound
from bot.privacy.pseudonym import pseudonym
from bot.storage.ratelimit import Counters

logger = logging.getLogger(__name__)
FLOOD_WINDOW = 60.0
FLOOD_MAX = 30  # messages per sender (and per web-chat connection) per minute, then slower
FLOOD_MAX_ADDRESS = 120  # per network address of the web chat (a library, an office: shared)
FLOOD_SPACING = 2.0  # seconds between the messages of a flooding sender


@dataclass
class Wakeups:
    """The events that wake this instance's workers when work arrives."""

    inbox: asyncio.Event = field(default_factory=asyncio.Event)
    outbox: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Intake:
    """Stores inbound messages in the inbox (the channels' one way in)."""

    factory: async_sessionmaker[AsyncSession]
    counters: Counters
    pseudonym_key: str
    wakeups: Wakeups

    def sender_hash(self, inbound: Inbound) -> str:
        """The keyed hash that identifies a resident on a channel (never the raw id)."""
        return pseudonym(
            self.pseudonym_key, f"{inbound.channel}:{inbound.sender}", purpose="identity", length=40
        )

    def flood_key(self, kind: str, value: str) -> str:
        """A flood-control key for something other than the sender (a web-chat address)."""
        return pseudonym(self.pseudonym_key, f"{kind}:{value}", purpose="flood", length=32)

    async def accept(self, inbound: Inbound, *, limits: Sequence[tuple[str, int]] = ()) -> bool:
        """Store one inbound message (idempotent), then flood control, then wake the worker.

        Returns False for a message stored before (a redelivery). Storage errors propagate (a
        webhook answers 503, so the channel retries). ``limits`` adds flood keys besides the
        sender (web chat: the connection, the address).
        """
        inbound = inbound.cleaned()
        digest = self.sender_hash(inbound)
        item_id = await store.accept_inbound(self.factory, inbound, digest)
        if item_id is None:
            return False
        try:
            await self._flood_control(item_id, [(digest, FLOOD_MAX), *limits])
        except Exception as exc:  # noqa: BLE001 - counters down: accept unthrottled, never lose it
            logger.warning("flood control unavailable (%s)", exc.__class__.__name__)
        self.wakeups.inbox.set()
        return True

    async def _flood_control(self, item_id: int, limits: Sequence[tuple[str, int]]) -> None:
        over = 0
        first_key = limits[0][0]
        for key, limit in limits:
            count = await self.counters.count(key, FLOOD_WINDOW)
            over = max(over, count - limit)
        if over > 0:
            notice = await self.counters.once(f"notice:{first_key}", FLOOD_WINDOW)
            logger.info("flood control: slowing a sender down (%s…)", first_key[:8])
            await store.slow_down(self.factory, item_id, delay=over * FLOOD_SPACING, notice=notice)
