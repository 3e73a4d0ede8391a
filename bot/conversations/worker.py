"""Background workers: the inbox (accepted messages -> router) and the outbox (replies -> channels).

Both work from the database, so a restart loses nothing: pending items are picked up again.
Per resident, messages are handled one at a time and in order; different residents in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.conversations import store
from bot.conversations.models import Inbound, Reply
from bot.conversations.router import Router
from bot.conversations.tables import Conversation, InboxItem, Message, OutboxItem
from bot.errors import ChannelError, RasaUnavailable, RateLimited, WindowClosed
from bot.storage.base import utcnow

logger = logging.getLogger(__name__)
MAX_INBOX_ATTEMPTS = 12
MAX_OUTBOX_ATTEMPTS = 8


def backoff(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff in seconds: 1, 2, 4 … at most ``cap``."""
    return min(cap, base * (2 ** max(0, attempts - 1)))


class _Loop:
    """What both workers share: a wake-up event, their tasks, and idling without lost wake-ups."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self.wake = asyncio.Event()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _idle(self, timeout: float) -> None:  # noqa: ASYNC109 - a wait with a deadline
        # wake is cleared before each look at the database, so a wake-up set meanwhile counts
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), timeout=timeout)

    async def _drain(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)


class Sender(Protocol):
    """A channel that can send a reply to an address."""

    name: str

    async def send(self, address: str, reply: Reply, **kwargs: Any) -> str: ...


class InboxWorker(_Loop):
    """Feeds accepted messages to the router, one at a time per resident."""

    def __init__(
        self,
        factory: async_sessionmaker,
        router: Router,
        *,  # type: ignore[type-arg]
        concurrency: int = 16,
        retry_base: float = 1.0,
        after: Callable[[Inbound], Awaitable[None]] | None = None,
        processed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._factory, self._router = factory, router
        self._concurrency, self._retry_base = concurrency, retry_base
        self._after, self._processed = after, processed
        self._busy: set[str] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set."""
        while not stop.is_set():
            self.wake.clear()
            started = 0
            free = self._concurrency - len(self._tasks)
            if free > 0:
                async with self._factory() as session:
                    items = await store.due_inbox(session, limit=free, busy=self._busy)
                for item in items:
                    self._busy.add(item.sender_hash)
                    self._spawn(self._process(item.id, item.sender_hash))
                    started += 1
            if not started:
                await self._idle(0.5)
        await self._drain()

    async def _process(self, item_id: int, sender_hash: str) -> None:
        inbound: Inbound | None = None
        try:
            async with self._factory() as session:
                item = await session.get(InboxItem, item_id)
                if item is None or item.status != "pending":
                    return
                inbound = Inbound.from_json(item.body)
                try:
                    await self._router.handle(session, item)
                except RasaUnavailable:
                    # keep what was stored (the message, a "one moment" reply) and retry later
                    item.attempts += 1
                    item.body = {**item.body, "stored": True}
                    item.next_attempt_at = utcnow() + timedelta(
                        seconds=backoff(item.attempts, self._retry_base, 60)
                    )
                    logger.warning(
                        "rasa unavailable; inbox item %s retried (attempt %s)",
                        item.id,
                        item.attempts,
                    )
                await session.commit()
        except Exception:  # noqa: BLE001 - one bad message must not stop the worker
            logger.exception("inbox item %s failed", item_id)
            await self._reschedule(item_id)
        finally:
            self._busy.discard(sender_hash)
            self.wake.set()
            if self._processed:
                self._processed()
        if inbound is not None and self._after is not None:
            with contextlib.suppress(Exception):
                await self._after(inbound)

    async def _reschedule(self, item_id: int) -> None:
        async with self._factory() as session:
            item = await session.get(InboxItem, item_id)
            if item is None:
                return
            item.attempts += 1
            item.status = "failed" if item.attempts >= MAX_INBOX_ATTEMPTS else "pending"
            item.next_attempt_at = utcnow() + timedelta(
                seconds=backoff(item.attempts, self._retry_base)
            )
            await session.commit()


class OutboxWorker(_Loop):
    """Sends replies in order per resident, paced, with retries and respect for 429s."""

    def __init__(
        self,
        factory: async_sessionmaker,
        senders: dict[str, Any],
        *,  # type: ignore[type-arg]
        pacing: dict[str, float] | None = None,
        retry_base: float = 1.0,
        concurrency: int = 16,
    ) -> None:
        super().__init__()
        self._factory, self._senders = factory, senders
        self._pacing = pacing or {}
        self._retry_base, self._concurrency = retry_base, concurrency
        self._last_sent: dict[tuple[str, str], float] = {}
        self._busy_keys: set[tuple[str, str]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set."""
        while not stop.is_set():
            self.wake.clear()
            started = 0
            async with self._factory() as session:
                items = await store.due_outbox(session, limit=self._concurrency * 2)
            now = time.monotonic()
            for item in items:
                key = (item.channel, item.address)
                if key in self._busy_keys or len(self._tasks) >= self._concurrency:
                    continue  # one send at a time per resident keeps the order
                if now - self._last_sent.get(key, 0.0) < self._pacing.get(item.channel, 0.0):
                    continue  # pacing: the channel's per-chat rate
                self._busy_keys.add(key)
                self._last_sent[key] = now
                self._spawn(self._send(item.id, key))
                started += 1
            if not started:
                await self._idle(0.2)
        await self._drain()

    async def _send(self, item_id: int, key: tuple[str, str]) -> None:
        try:
            async with self._factory() as session:
                item = await session.get(OutboxItem, item_id)
                if item is None or item.status != "pending":
                    return
                await self._attempt(session, item)
                await session.commit()
        except Exception:  # noqa: BLE001 - keep sending the others
            logger.exception("outbox item %s failed unexpectedly", item_id)
        finally:
            self._busy_keys.discard(key)
            self._last_sent[key] = time.monotonic()
            self.wake.set()

    async def _attempt(self, session: Any, item: OutboxItem) -> None:
        sender = self._senders.get(item.channel)
        message = await session.get(Message, item.message_id) if item.message_id else None
        reply = Reply.from_json(item.body)
        try:
            if sender is None:
                raise ChannelError(f"channel {item.channel} is not configured")
            if item.channel == "whatsapp":
                conv = (
                    await session.get(Conversation, item.conversation_id)
                    if item.conversation_id
                    else None
                )
                if conv is not None and not store.within_whatsapp_window(conv.last_inbound_at):
                    # Outside the 24-hour window only an approved template may be sent. We do
                    # not send free text: the item is parked as 'needs_template' for staff.
                    raise WindowClosed("24-hour window closed")
            if item.channel == "telegram":

                async def short(payload: str) -> str:
                    async with self._factory() as other:
                        short_id = await store.short_payload(other, payload)
                        await other.commit()
                        return short_id

                channel_id = await sender.send(item.address, reply, callback_id=short)
            else:
                channel_id = await sender.send(item.address, reply)
        except RateLimited as exc:
            item.attempts += 1
            item.last_error = f"rate limited ({exc.code or 429})"
            item.next_attempt_at = utcnow() + timedelta(seconds=max(exc.retry_after, 0.05))
            return
        except WindowClosed:
            item.status, item.last_error = "needs_template", "whatsapp 24h window closed"
            if message is not None:
                message.delivery = "failed"
            return
        except ChannelError as exc:
            item.attempts += 1
            item.last_error = str(exc)[:200]
            if exc.retryable and item.attempts < MAX_OUTBOX_ATTEMPTS:
                item.next_attempt_at = utcnow() + timedelta(
                    seconds=backoff(item.attempts, self._retry_base)
                )
            else:
                item.status = "failed"
                if message is not None:
                    message.delivery = "failed"
                logger.warning("outbox item %s gave up: %s", item.id, item.last_error)
            return
        item.status, item.sent_at = "sent", utcnow()
        item.body, item.address = {}, ""  # the text and address live on only in the transcript
        if message is not None:
            message.delivery = "sent"
            if channel_id:
                message.channel_message_id = channel_id


async def record_status(factory: async_sessionmaker, channel_message_id: str, status: str) -> None:  # type: ignore[type-arg]
    """Apply a delivery status (sent < delivered < read; failed wins) to the stored message."""
    order = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 9}
    from sqlalchemy import select

    async with factory() as session:
        message = await session.scalar(
            select(Message).where(Message.channel_message_id == channel_message_id)
        )
        if message is None:
            return
        if order.get(status, 0) >= order.get(message.delivery or "queued", 0):
            message.delivery = status  # statuses may arrive out of order: never go backwards
            await session.commit()
