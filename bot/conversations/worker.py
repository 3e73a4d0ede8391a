"""Background workers: the inbox (accepted messages -> router) and the outbox (replies -> channels).

Both claim work from the database with a lease (bot/conversations/queue.py), so several
instances share it and a crashed instance's work is taken over when its lease runs out. No
transaction is open during a call to Rasa or a channel. Per resident one item at a time, in
order; different residents in parallel. A worker wakes when new work arrives (a local event,
and on PostgreSQL a NOTIFY from any instance), when the next retry is due, or when one of its
tasks ends with something perhaps claimable (`_Loop._work`); it keeps running through
database, Redis, Rasa and channel errors (with backoff) and reports in ``Health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import queue, store
from bot.conversations.circuit import Circuit
from bot.conversations.heartbeat import Heartbeat
from bot.conversations.models import Inbound, Reply
from bot.conversations.ports import Channel, Health, SendContext, Template, Unreported
from bot.conversations.router import Plan, Router
from bot.conversations.tables import (
    Conversation,
    InboxItem,
    Message,
    OutboxItem,
    WhatsAppTemplate,
)
from bot.errors import ChannelError, RasaUnavailable, RateLimited, RecipientGone, WindowClosed
from bot.staff import raise_alert
from bot.storage.base import utcnow
from bot.storage.ratelimit import Pacer

logger = logging.getLogger(__name__)
MAX_INBOX_FAILURES = 5  # unexpected errors before a message is set aside (poison)
MAX_OUTBOX_FAILURES = 5  # unexpected errors (bugs, not channel errors) before we give up
# after a delivered send, how soon recording it is tried again while the database fails
RECORD_RETRY_FIRST, RECORD_RETRY_CAP = 0.1, 5.0
MAX_RESENDS = 1  # an item found "sending" after a crash is sent again at most this often
POLL_CAP = 30.0  # the longest sleep without a wake-up (lease ends, missed notifications)


@dataclass(frozen=True)
class _Ready:
    """An outbox item in "sending" (committed), about to go out."""

    claim: queue.Claim
    channel: Channel
    address: str
    reply: Reply
    template: Template | None


def backoff(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff in seconds: base, 2·base, 4·base … at most ``cap``."""
    return min(cap, base * float(2 ** max(0, min(attempts, 40) - 1)))


class _Loop:
    """What both workers share: a wake-up event, their tasks, idling, and health reports."""

    part = "loop"
    model: type[InboxItem] | type[OutboxItem]

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        *,
        owner: str,
        health: Health | None,
        concurrency: int,
        lease_seconds: float,
        wake: asyncio.Event | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self._factory, self._owner = factory, owner
        # the instance's one heartbeat, shared by its loops (a loop made alone beats alone)
        self.heartbeat = heartbeat or Heartbeat(factory, owner)
        if self.heartbeat.owner != owner:
            raise ValueError("a loop beats for its own instance only")
        self._health: Health = health or Unreported()
        self._health.register(self.part)
        self._concurrency, self._lease = concurrency, lease_seconds
        self._tasks: set[asyncio.Task[None]] = set()
        self._errors = 0
        self._rounds = 0  # claims started: a task looks whether one ran while it worked
        self.wake = wake or asyncio.Event()
        self._stop = asyncio.Event()

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self, claim: queue.Claim) -> None:
        """Handle one claim; then wake the loop unless nothing can have become claimable.

        The loop need not look again when the item ended cleanly with nothing of the same
        resident waiting behind it (``_handle`` returns True), no claim started while it was in
        hand (a claim that started then may have found the resident's next item blocked
        behind this one: it counts in ``_rounds`` before it reads) and the loop had a free slot
        (with none, it waits for a task to end). Each look is a claim and a `queue.next_due`.
        """
        round_ = self._rounds
        settled = False
        try:
            settled = await self._handle(claim)
        finally:
            full = len(self._tasks) >= self._concurrency  # this task is still counted
            if not settled or full or self._rounds != round_:
                self.wake.set()

    async def _idle(self, timeout: float) -> None:  # noqa: ASYNC109 - a wait with a deadline
        # wake is cleared before each look at the database, so a wake-up set meanwhile counts
        if self._stop.is_set():
            return
        waiters = [
            asyncio.ensure_future(self.wake.wait()),
            asyncio.ensure_future(self._stop.wait()),
        ]
        try:
            await asyncio.wait(
                waiters, timeout=max(0.01, timeout), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _due_in(self) -> float:
        """Seconds until the next item can be claimed (POLL_CAP when nothing is waiting)."""
        due = await queue.next_due(self._factory, self.model, take_over=self._take_over())
        return self._until_steady(POLL_CAP if due is None else (due - utcnow()).total_seconds())

    def _until_steady(self, wait: float) -> float:
        """``wait`` (+ a little), but not past the moment take-over becomes allowed."""
        steady_in = self._steady_in()
        if steady_in is None:  # no beat yet (starting, or the database was away): look soon
            wait = min(wait, queue.HEARTBEAT_SECONDS)
        elif steady_in:
            wait = min(wait, steady_in)
        return wait + 0.01

    async def _sleep_until_due(self) -> None:
        try:
            wait = await self._due_in()
        except Exception as exc:  # noqa: BLE001 - the database is down: the next loop says so
            self._health.failing(self.part, exc)
            await self._idle(min(POLL_CAP, backoff(self._errors + 1, 0.5, 10)))
            return
        if wait > 0:  # due already: it became claimable just after our claim, so claim again
            await self._idle(min(POLL_CAP, wait))

    async def _claim(self, free: int) -> list[queue.Claim]:
        raise NotImplementedError

    async def _handle(self, claim: queue.Claim) -> bool:
        """Work on one claim; True when its item ended and nothing of its resident waits."""
        raise NotImplementedError

    def _steady_in(self) -> float | None:
        return self.heartbeat.steady_in()

    def _take_over(self) -> bool:
        return self._steady_in() == 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until ``stop`` is set; never ends on an error of a dependency."""
        async with self.heartbeat.held():  # its last round (the drain) included
            await self._run(stop)

    async def _run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        while not stop.is_set():
            self.wake.clear()
            self._health.beat(self.part)
            free = self._concurrency - len(self._tasks)
            claims: list[queue.Claim] = []
            if free > 0:
                self._rounds += 1  # before the claim reads (see `_work`)
                try:
                    claims = await self._claim(free)
                except Exception as exc:  # noqa: BLE001 - database down: back off, then again
                    self._errors += 1
                    self._health.failing(self.part, exc)
                    logger.warning("%s: cannot claim work (%s)", self.part, exc.__class__.__name__)
                    await self._idle(backoff(self._errors, 0.5, 10))
                    continue
                self._errors = 0
                self._health.ok(self.part)
                for claim in claims:
                    self._spawn(self._work(claim))
            if free <= 0:
                await self._idle(POLL_CAP)  # a task that ends wakes the loop (`_work`)
            elif len(claims) < free:
                # fewer than asked: nothing more is claimable now (new work wakes the loop),
                # so no second claim to find that out; sleep until the next item is due
                await self._sleep_until_due()
        await self._drain()

    async def _drain(self) -> None:
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=30)


class InboxWorker(_Loop):
    """Feeds accepted messages to the router, one at a time per resident."""

    part = "inbox"
    model = InboxItem

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        router: Router,
        *,
        owner: str | None = None,
        health: Health | None = None,
        concurrency: int = 16,
        retry_base: float = 1.0,
        lease_seconds: float = 60.0,
        after: Callable[[Inbound], Awaitable[None]] | None = None,
        processed: Callable[[], None] | None = None,
        wake: asyncio.Event | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        super().__init__(
            factory,
            owner=owner or (heartbeat.owner if heartbeat else queue.instance_id()),
            health=health,
            concurrency=concurrency,
            lease_seconds=lease_seconds,
            wake=wake,
            heartbeat=heartbeat,
        )
        self._router, self._retry_base = router, retry_base
        self._after, self._processed = after, processed
        self._health.register("rasa", required=False)

    async def _claim(self, free: int) -> list[queue.Claim]:
        return await queue.claim_inbox(
            self._factory,
            self._owner,
            limit=free,
            lease_seconds=self._lease,
            take_over=self._take_over(),
        )

    async def _handle(self, claim: queue.Claim) -> bool:
        plan: Plan | None = None
        settled = False
        try:
            plan = await self._router.prepare(self._factory, claim, self._owner)
            if plan is None:
                return False
            try:
                await self._router.call(plan)
            except RasaUnavailable as exc:
                self._health.failing("rasa", str(exc))
                retry = backoff(claim.attempts, self._retry_base, 60)
                logger.warning("rasa unavailable (%s); inbox item %s retried", exc, claim.id)
                await self._router.record_rasa_down(self._factory, plan, self._owner, retry)
                return False
            if plan.turn is not None or plan.parse is not None:
                self._health.ok("rasa")
            recorded = await self._router.record(self._factory, plan, self._owner)
            settled = recorded and not plan.behind
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the worker
            logger.error(
                "inbox item %s failed (%s)", claim.id, exc.__class__.__name__, exc_info=True
            )
            await self._failed(claim, exc)
        finally:
            if self._processed:
                self._processed()
        if plan is not None and plan.inbound is not None and self._after is not None:
            with contextlib.suppress(Exception):
                await self._after(plan.inbound)
        return settled

    async def _failed(self, claim: queue.Claim, exc: Exception) -> None:
        """Count an unexpected failure; set the message aside after too many."""
        try:
            async with self._factory() as session:
                item = await queue.held(session, InboxItem, claim.id, self._owner)
                if item is None:
                    return
                item.failures += 1
                item.last_error = exc.__class__.__name__
                poison = item.failures >= MAX_INBOX_FAILURES
                if not poison:
                    queue.release(item, after=backoff(item.failures, self._retry_base, 60))
                await session.commit()
        except Exception as again:  # noqa: BLE001 - the database is down: the lease runs out
            self._health.failing(self.part, again)
            return
        if poison:
            await self._router.set_aside(self._factory, claim.id, exc.__class__.__name__)


class OutboxWorker(_Loop):
    """Sends replies in order per resident, paced, retried while they still mean something."""

    part = "outbox"
    model = OutboxItem

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        channels: Mapping[str, Channel],
        *,
        owner: str | None = None,
        health: Health | None = None,
        pacer: Pacer | None = None,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        max_age: timedelta = timedelta(hours=24),
        probe_cap: float = 5.0,
        concurrency: int = 16,
        lease_seconds: float = 60.0,
        wake: asyncio.Event | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        super().__init__(
            factory,
            owner=owner or (heartbeat.owner if heartbeat else queue.instance_id()),
            health=health,
            concurrency=concurrency,
            lease_seconds=lease_seconds,
            wake=wake,
            heartbeat=heartbeat,
        )
        self._channels = channels
        for name in channels:  # a channel that is down is down for every instance
            self._health.register(f"channel:{name}", required=False)
        self._pacer = pacer or Pacer()
        self._retry_base, self._retry_cap, self._max_age = retry_base, retry_cap, max_age
        # channel health (bot/conversations/circuit.py): one circuit per channel
        cap = min(probe_cap, retry_cap)
        self._circuits = {name: Circuit(base=min(retry_base, cap), cap=cap) for name in channels}
        self._probes: dict[int, str] = {}  # claim id -> channel, for the probes in flight

    def _failing(self) -> list[str]:
        return [name for name, circuit in self._circuits.items() if circuit.failing]

    async def _claim(self, free: int) -> list[queue.Claim]:
        claims: list[queue.Claim] = []
        for name, circuit in self._circuits.items():  # a failing channel: one probe at a time
            if len(claims) >= free or not circuit.probe_due():
                continue
            probe = await queue.claim_probe(
                self._factory,
                self._owner,
                name,
                lease_seconds=self._lease,
                take_over=self._take_over(),
            )
            if probe is None:
                circuit.nothing_to_probe()
                continue
            circuit.probing = True
            self._probes[probe.id] = name
            claims.append(probe)
        if len(claims) < free:
            claims += await queue.claim_outbox(
                self._factory,
                self._owner,
                limit=free - len(claims),
                lease_seconds=self._lease,
                skip_channels=self._failing(),
                take_over=self._take_over(),
                send_at_once=self._send_at_once(),
            )
        return claims

    def _send_at_once(self) -> list[str]:
        """Channels whose claimed items need no step before the send: no pacing, no 24-hour
        window (the claim marks them "sending"; `queue.claim_outbox`)."""
        return [
            name
            for name, channel in self._channels.items()
            if channel.pacing <= 0 and channel.window is None
        ]

    async def _due_in(self) -> float:
        due = await queue.next_due(
            self._factory, self.model, skip_channels=self._failing(), take_over=self._take_over()
        )
        wait = self._until_steady(POLL_CAP if due is None else (due - utcnow()).total_seconds())
        probes = [c.probe_in() for c in self._circuits.values()]
        return min([wait, *(p + 0.01 for p in probes if p is not None)])

    async def _handle(self, claim: queue.Claim) -> bool:
        current = claim  # the item in hand: the claimed one, then the bubbles chained to it
        settled = False
        try:
            ready = await self._prepare(claim)
            while ready is not None:
                current = ready.claim
                ready, settled = await self._deliver(ready)
        except Exception as exc:  # noqa: BLE001 - keep sending the others
            settled = False
            logger.error(
                "outbox item %s failed (%s)", current.id, exc.__class__.__name__, exc_info=True
            )
            await self._failed(current, exc)
        finally:
            probed = self._probes.pop(claim.id, None)
            if probed is not None:
                self._circuits[probed].probe_ended()
        return settled and probed is None

    def _channel_failed(self, name: str, claim: queue.Claim, exc: ChannelError) -> None:
        """A refusal of the channel itself (5xx, 429, network) opens its circuit."""
        if isinstance(exc, RateLimited):
            retry_after: float | None = exc.retry_after
        elif exc.retryable and not isinstance(exc, (WindowClosed, RecipientGone)):
            retry_after = None
        else:
            return  # about this item or resident, not the channel
        circuit = self._circuits.get(name)
        if circuit is None:
            return
        if not circuit.failing:
            logger.warning("channel %s is failing; probing it", name)
        circuit.failed(retry_after, probe=claim.id in self._probes or not circuit.failing)

    async def _channel_ok(self, name: str) -> None:
        """The channel accepted a send: if it was failing, every waiting item may go now."""
        circuit = self._circuits.get(name)
        if circuit is None or not circuit.succeeded():
            return
        released = await queue.release_channel(self._factory, name)
        logger.info("channel %s works again; %s waiting items released", name, released)
        self.wake.set()

    async def _short_payload(self, payload: str) -> str:
        async with self._factory() as session:
            short_id = await store.short_payload(session, payload)
            await session.commit()
            return short_id

    async def _prepare(self, claim: queue.Claim) -> _Ready | None:
        """Pacing, then "sending" committed: what to send, or None (not now, or not ours).
        On a channel without pacing, each sent bubble's record takes the resident's next one
        (`queue.take_next`): one commit per bubble instead of three."""
        channel_name = claim.key.split(":", 1)[0]
        channel = self._channels.get(channel_name)
        if claim.sending and claim.body is not None and channel is not None:
            # the claim marked it "sending" (no pacing, no window): nothing to read or write
            return _Ready(claim, channel, claim.address, Reply.from_json(dict(claim.body)), None)
        # pacing first, with no transaction open (it may ask Redis)
        if channel is not None and channel.pacing > 0:
            digest = hashlib.sha256(claim.key.encode()).hexdigest()[:32]
            wait = await self._pacer.reserve(digest, channel.pacing)
            if wait > 0:
                async with self._factory() as session:
                    item = await queue.held(session, OutboxItem, claim.id, self._owner)
                    if item is not None:
                        item.attempts -= 1  # waiting for our turn is not an attempt
                        queue.release(item, after=wait)
                        await session.commit()
                return None
        # read what to send (short transaction)
        template: Template | None = None
        async with self._factory() as session:
            if channel is not None and channel.window is None:
                # no window to check: "sending" in one guarded write that returns the body
                marked = await queue.mark_sending(session, claim.id, self._owner)
                if marked is not None:
                    await session.commit()
                    address, body = marked
                    return _Ready(claim, channel, address, Reply.from_json(body), None)
                # not ours, or in flight at a crash: the careful way below
            item = await queue.held(session, OutboxItem, claim.id, self._owner)
            if item is None:
                return None
            assert isinstance(item, OutboxItem)
            if channel is None:
                await self._give_up(session, item, f"channel {channel_name} is not configured")
                await session.commit()
                return None
            conv = (
                await session.get(Conversation, item.conversation_id)
                if item.conversation_id and channel.window is not None
                else None
            )
            if (
                channel.window is not None
                and conv is not None
                and _window_closed(item, conv, channel.window)
            ):
                template = await self._template_step(session, item, conv)
                if template is None:
                    await session.commit()
                    return None
            if item.sending_at is not None:
                # in flight when an instance died (or lost its lease): it may have reached the
                # resident. Sent again at most once; never a third time.
                if item.resends >= MAX_RESENDS:
                    await self._give_up(
                        session,
                        item,
                        "in flight at a crash twice: unconfirmed",
                        status="unconfirmed",
                    )
                    await session.commit()
                    return None
                item.resends += 1
                logger.warning("outbox item %s was in flight at a crash; sent again", item.id)
            # "sending", committed before the call: the only window in which a crash resends
            item.sending_at = utcnow()
            ready = _Ready(claim, channel, item.address, Reply.from_json(item.body), template)
            await session.commit()
        return ready

    async def _deliver(self, ready: _Ready) -> tuple[_Ready | None, bool]:
        """The network call (no transaction open), then its result: the next bubble to send
        when it was taken while recording this one, and True when the item was sent and
        nothing of the resident waits behind it."""
        claim, channel, address, reply, template = (
            ready.claim,
            ready.channel,
            ready.address,
            ready.reply,
            ready.template,
        )
        channel_name = claim.key.split(":", 1)[0]
        try:
            if template is not None:
                channel_id = await channel.send_template(address, template)
            else:
                channel_id = await channel.send(address, reply, SendContext(self._short_payload))
        except ChannelError as exc:
            self._channel_failed(channel_name, claim, exc)
            await self._record_error(claim, exc)
            return None, False
        chain = template is None and channel.pacing <= 0 and channel.window is None
        following, settled = await self._record_delivered(claim, channel_id, template, chain=chain)
        await self._channel_ok(channel_name)
        return following, settled

    async def _record_delivered(
        self, claim: queue.Claim, channel_id: str, template: Template | None, *, chain: bool
    ) -> tuple[_Ready | None, bool]:
        """The channel took the message: record "sent", trying again while the database fails.

        Handing the item back instead would send it a second time (no channel takes an
        idempotency key), so only a stop (the process ends) leaves it in "sending", the crash
        window. Seen on the cluster: PostgreSQL refused a connection right after a send."""
        delay = RECORD_RETRY_FIRST
        while True:
            try:
                return await self._record_sent(claim, channel_id, template, chain=chain)
            except (SQLAlchemyError, OSError) as exc:  # the database, not a bug: a bug goes on
                if self._stop.is_set():  # to `_failed` as before
                    raise
                logger.warning(
                    "outbox item %s was delivered; recording it failed (%s), trying again",
                    claim.id,
                    exc.__class__.__name__,
                )
                self._health.failing(self.part, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECORD_RETRY_CAP)

    async def _template_step(
        self, session: AsyncSession, item: OutboxItem, conv: Conversation
    ) -> Template | None:
        """After the 24-hour window: the template first (once), the text when they answer."""
        since = conv.last_inbound_at or conv.created_at
        already = await session.scalar(
            select(
                exists().where(
                    OutboxItem.conversation_id == conv.id,
                    OutboxItem.status == "sent",
                    OutboxItem.sent_at >= since,
                    OutboxItem.last_error == "template",
                )
            )
        )
        if already:  # the template went out: this text waits until the resident answers
            item.status, item.lease_owner, item.lease_until = "awaiting_reply", None, None
            return None
        row = await session.scalar(
            select(WhatsAppTemplate).where(
                WhatsAppTemplate.municipality_code == conv.municipality_code
            )
        ) or await session.scalar(
            select(WhatsAppTemplate).where(WhatsAppTemplate.municipality_code.is_(None))
        )
        if row is None:
            await self._give_up(
                session, item, "no approved template configured", status="needs_template"
            )
            return None
        return Template(row.name, row.language, tuple(row.parameters or ()), row.body_text)

    async def _record_sent(
        self, claim: queue.Claim, channel_id: str, template: Template | None, *, chain: bool
    ) -> tuple[_Ready | None, bool]:
        """Record the send; with ``chain``, take the resident's next bubble in the same
        transaction ("sending" at once: it is sent right after the commit). The next bubble,
        and True when nothing of the resident waits behind the sent item."""
        if template is not None:
            await self._record_template_sent(claim, channel_id, template)
            return None, False
        ready: _Ready | None = None
        async with self._factory() as session:
            # "sent", guarded by the lease in the same statement (first: it holds the row)
            finished = await queue.finish_sent(session, claim, self._owner)
            if finished is None:
                logger.warning("outbox item %s was sent after its lease ran out", claim.id)
                return None, False
            message_id, behind = finished
            if message_id is not None:
                values: dict[str, Any] = {"delivery": "sent"}
                if channel_id:
                    values["channel_message_id"] = channel_id
                await session.execute(
                    update(Message)
                    .where(Message.id == message_id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            channel_name = claim.channel
            following = (
                await queue.take_next(
                    session, channel_name, claim.address, self._owner, self._lease
                )
                if behind
                and chain
                and not getattr(self._circuits.get(channel_name), "failing", True)
                else None
            )
            if following is not None and following.body is not None:
                channel = self._channels[channel_name]
                reply = Reply.from_json(dict(following.body))
                ready = _Ready(following, channel, claim.address, reply, None)
            await session.commit()
        self._health.ok(f"channel:{claim.channel}")
        return ready, not behind

    async def _record_template_sent(
        self, claim: queue.Claim, channel_id: str, template: Template
    ) -> None:
        """The template went out: a message of its own in the transcript; the reply waits."""
        async with self._factory() as session:
            item = await queue.held(session, OutboxItem, claim.id, self._owner)
            if item is None:
                logger.warning("outbox item %s was sent after its lease ran out", claim.id)
                return
            assert isinstance(item, OutboxItem)
            shown = Message(
                conversation_id=item.conversation_id,
                direction="out",
                sender_type="system",
                text=template.body_text,
                data={"template": template.name},
                delivery="sent",
                channel_message_id=channel_id or None,
            )
            session.add(shown)
            session.add(
                OutboxItem(
                    conversation_id=item.conversation_id,
                    message=shown,
                    channel=item.channel,
                    address="",
                    body={},
                    status="sent",
                    sent_at=utcnow(),
                    last_error="template",
                )
            )
            item.status, item.lease_owner, item.lease_until = "awaiting_reply", None, None
            item.sending_at = None
            await session.commit()

    async def _record_error(self, claim: queue.Claim, exc: ChannelError) -> None:
        channel_name = claim.key.split(":", 1)[0]
        async with self._factory() as session:
            item = await queue.held(session, OutboxItem, claim.id, self._owner)
            if item is None:
                return
            assert isinstance(item, OutboxItem)
            item.sending_at = None  # the channel answered: this try did not reach the resident
            if isinstance(exc, RateLimited):
                item.last_error = f"rate limited ({exc.code or 429})"
                queue.release(item, after=max(exc.retry_after, 0.05))
            elif isinstance(exc, WindowClosed):
                # the channel says the window closed: the template goes first
                item.body = {**item.body, "window_closed": True}
                queue.release(item)
            elif exc.retryable and utcnow() < item.created_at + self._max_age:
                item.last_error = str(exc)[:200]
                self._health.failing(f"channel:{channel_name}", str(exc))
                queue.release(item, after=backoff(item.attempts, self._retry_base, self._retry_cap))
            else:
                reason = str(exc) if not exc.retryable else f"still failing after {self._max_age}"
                await self._give_up(session, item, reason)
            await session.commit()

    async def _failed(self, claim: queue.Claim, exc: Exception) -> None:
        try:
            async with self._factory() as session:
                item = await queue.held(session, OutboxItem, claim.id, self._owner)
                if item is None:
                    return
                assert isinstance(item, OutboxItem)
                item.failures += 1
                if item.failures >= MAX_OUTBOX_FAILURES:
                    await self._give_up(session, item, f"internal error {exc.__class__.__name__}")
                else:
                    queue.release(item, after=backoff(item.failures, self._retry_base, 60))
                await session.commit()
        except Exception as again:  # noqa: BLE001 - the database is down: the lease runs out
            self._health.failing(self.part, again)

    async def _give_up(
        self, session: AsyncSession, item: OutboxItem, reason: str, *, status: str = "failed"
    ) -> None:
        """Never silently: the message shows "niet bezorgd" and the team gets an alert."""
        item.status, item.last_error = status, reason[:200]
        item.lease_owner = item.lease_until = None
        message = await session.get(Message, item.message_id) if item.message_id else None
        if message is not None:
            message.delivery = "failed"
        conv = (
            await session.get(Conversation, item.conversation_id) if item.conversation_id else None
        )
        await raise_alert(
            session,
            kind="undelivered",
            audience="team",
            municipality_code=conv.municipality_code if conv else None,
            ref=item.conversation_id,
        )
        logger.warning("outbox item %s not delivered: %s", item.id, item.last_error)


def _window_closed(item: OutboxItem, conv: Conversation, window: timedelta) -> bool:
    """True when free text may no longer go out (or the channel said so)."""
    if item.body.get("window_closed"):
        return True
    return conv.last_inbound_at is None or utcnow() - conv.last_inbound_at >= window


async def record_status(
    factory: async_sessionmaker[AsyncSession], channel_message_id: str, status: str
) -> None:
    """Apply a delivery status (sent < delivered < read; failed wins) to the stored message."""
    order = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "played": 3, "failed": 9}
    async with factory() as session:
        message = await session.scalar(
            select(Message).where(Message.channel_message_id == channel_message_id)
        )
        if message is None:
            return
        if order.get(status, 0) >= order.get(message.delivery or "queued", 0):
            message.delivery = status  # statuses may arrive out of order: never go backwards
            await session.commit()
