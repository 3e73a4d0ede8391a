"""Conversation data access: inbox, identities, conversations, messages, events, outbox."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import queue
from bot.conversations.models import Inbound, Reply
from bot.conversations.states import Status, check_transition
from bot.conversations.tables import (
    ButtonPayload,
    ChannelIdentity,
    Conversation,
    ConversationEvent,
    InboxItem,
    Message,
    OutboxItem,
)
from bot.storage.base import utcnow

PARKED = "awaiting_reply"  # an outbox item that waits for the resident's answer (WhatsApp)


async def accept_inbound(
    factory: async_sessionmaker[AsyncSession], inbound: Inbound, sender_hash: str
) -> int | None:
    """Store an inbound message durably; its inbox id, or None for a redelivery."""
    async with factory() as session:
        item = InboxItem(
            channel=inbound.channel,
            dedupe_key=f"{inbound.channel}:{inbound.dedupe_key}"[:220],
            sender_hash=sender_hash,
            body=inbound.to_json(),
        )
        session.add(item)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return None
        return item.id


async def slow_down(
    factory: async_sessionmaker[AsyncSession], item_id: int, *, delay: float, notice: bool
) -> None:
    """Flood control: process this message later (never drop it), maybe with a kind notice."""
    async with factory() as session:
        item = await session.get(InboxItem, item_id)
        if item is None or item.status != "pending":
            return
        item.next_attempt_at = utcnow() + timedelta(seconds=delay)
        if notice:
            item.body = {**item.body, "flood_notice": True}
        await session.commit()


async def identity_for(
    session: AsyncSession, channel: str, external_hash: str, address: str
) -> ChannelIdentity:
    """The resident's identity on this channel, created on first contact."""
    identity = await session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_hash == external_hash
        )
    )
    if identity is None:
        identity = ChannelIdentity(channel=channel, external_hash=external_hash, address=address)
        session.add(identity)
        await session.flush()
    elif identity.address != address:
        identity.address = address  # e.g. a WhatsApp number became a username (BSUID)
    return identity


@dataclass
class Resident:
    """What ``resident`` read in one statement for an inbound message."""

    identity: ChannelIdentity
    conversation: Conversation | None  # the open one (None: none yet)
    seen: bool | None = None  # the channel message is stored already (None: not looked)
    parked: bool = False  # the conversation has replies parked behind a template (WhatsApp)


async def resident(
    session: AsyncSession, channel: str, external_hash: str, address: str, message_id: str | None
) -> Resident:
    """`identity_for`, the identity's open conversation, whether the channel message
    ``message_id`` was stored before (`add_inbound_message`'s question) and whether replies of
    that conversation are parked: one read (on first contact, the identity is created)."""
    seen = (
        exists().where(Message.channel_message_id == message_id) if message_id else literal(False)
    )
    parked = (
        exists()
        .where(OutboxItem.conversation_id == Conversation.id, OutboxItem.status == PARKED)
        .correlate(Conversation)
    )
    row = (
        await session.execute(
            select(ChannelIdentity, Conversation, seen.label("seen"), parked.label("parked"))
            .outerjoin(
                Conversation,
                and_(
                    Conversation.identity_id == ChannelIdentity.id,
                    Conversation.status != Status.CLOSED,
                ),
            )
            .where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_hash == external_hash
            )
            .order_by(Conversation.created_at.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return Resident(await identity_for(session, channel, external_hash, address), None)
    identity, conv = row[0], row[1]
    if identity.address != address:
        identity.address = address  # e.g. a WhatsApp number became a username (BSUID)
    return Resident(identity, conv, seen=bool(row[2]), parked=bool(row[3]))


async def open_conversation(
    session: AsyncSession, identity: ChannelIdentity
) -> tuple[Conversation, bool]:
    """The resident's open conversation, or a new one; True when new."""
    conv = await session.scalar(
        select(Conversation)
        .where(Conversation.identity_id == identity.id, Conversation.status != Status.CLOSED)
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    if conv is not None:
        return conv, False
    return await start_conversation(session, identity), True


async def start_conversation(session: AsyncSession, identity: ChannelIdentity) -> Conversation:
    """A new conversation of the resident, with the assistant."""
    conv = Conversation(
        id=str(uuid.uuid4()), identity_id=identity.id, channel=identity.channel, status=Status.BOT
    )
    session.add(conv)
    await session.flush()
    return conv


def answered_before(conversation_id: str) -> Select[tuple[bool]]:
    """Whether the conversation has an outgoing message (a query, to run or to embed)."""
    return select(
        exists().where(Message.conversation_id == conversation_id, Message.direction == "out")
    )


@dataclass
class HeldTurn:
    """An inbox item held for recording its turn, and what the record needs with it."""

    item: InboxItem
    behind: bool  # another pending item of the same resident waits behind it
    conversation: Conversation | None
    identity: ChannelIdentity | None  # None: forgotten
    answered: bool  # the conversation had a reply before (`answered_before`)


async def held_turn(
    session: AsyncSession, item_id: int, owner: str, conversation_id: str
) -> HeldTurn | None:
    """`queue.held` (the item row-locked on PostgreSQL, while pending and ours) with the
    conversation, its identity and whether it was answered before: one read instead of four.
    None: the item is not ours any more, or done."""
    answered = (
        exists()
        .where(Message.conversation_id == Conversation.id, Message.direction == "out")
        .correlate(Conversation)
    )
    row = (
        await session.execute(
            select(
                InboxItem,
                queue.waiting_behind(InboxItem).label("behind"),
                Conversation,
                ChannelIdentity,
                answered.label("answered"),
            )
            .select_from(InboxItem)
            .outerjoin(Conversation, Conversation.id == conversation_id)
            .outerjoin(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
            .where(
                InboxItem.id == item_id,
                InboxItem.status == queue.PENDING,
                InboxItem.lease_owner == owner,
            )
            .with_for_update(of=InboxItem)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        return None
    return HeldTurn(row[0], bool(row[1]), row[2], row[3], bool(row[4]))


def add_event(
    session: AsyncSession, conv: Conversation, name: str, actor: str, **data: Any
) -> ConversationEvent:
    """Record what happened to a conversation."""
    event = ConversationEvent(conversation_id=conv.id, name=name, actor=actor, data=data)
    session.add(event)
    return event


def move(
    session: AsyncSession, conv: Conversation, target: Status, actor: str, reason: str
) -> None:
    """Change a conversation's status (raises InvalidTransition) and record the event."""
    previous = conv.status
    conv.status = check_transition(conv.status, target)
    conv.last_activity_at = utcnow()
    if target == Status.CLOSED:
        conv.closed_at = utcnow()
    add_event(
        session,
        conv,
        "conversation.status_changed",
        actor,
        previous=previous,
        status=str(target),
        reason=reason,
    )


async def add_inbound_message(
    session: AsyncSession,
    conv: Conversation,
    inbound: Inbound,
    data: dict[str, Any],
    *,
    seen: bool | None = None,
) -> Message | None:
    """Store the resident's message; None when this channel message was stored before.
    ``seen``: whether it was, when the caller read it already (`resident`)."""
    if seen:
        return None
    if seen is None and inbound.channel_message_id:
        exists = await session.scalar(
            select(Message.id).where(Message.channel_message_id == inbound.channel_message_id)
        )
        if exists:
            return None
    message = Message(
        conversation_id=conv.id,
        direction="in",
        sender_type="contact",
        text=inbound.text or inbound.payload or "",
        data=data,
        channel_message_id=inbound.channel_message_id,
    )
    session.add(message)
    now = utcnow()
    conv.last_inbound_at = conv.last_activity_at = now
    await session.flush()
    return message


def prefix_first_reply(session: AsyncSession, conv: Conversation, text: str) -> None:
    """Put ``text`` before the next reply enqueued for ``conv`` in this transaction."""
    session.info["first_reply_prefix"] = (conv.id, text)


def enqueue_reply(
    session: AsyncSession,
    conv: Conversation,
    identity: ChannelIdentity,
    reply: Reply,
    *,
    sender_type: str = "bot",
    data: dict[str, Any] | None = None,
) -> tuple[Message, OutboxItem]:
    """Store an outgoing message and put it in the outbox (sent by the outbox worker)."""
    prefix = session.info.get("first_reply_prefix")
    if prefix and prefix[0] == conv.id:
        del session.info["first_reply_prefix"]
        reply = Reply(f"{prefix[1]}\n\n{reply.text}", reply.buttons, reply.author)
    message = Message(
        conversation_id=conv.id,
        direction="out",
        sender_type=sender_type,
        text=reply.text,
        data={"buttons": [list(b) for b in reply.buttons], **(data or {})},
        delivery="queued",
    )
    session.add(message)
    item = OutboxItem(
        conversation_id=conv.id,
        message=message,
        channel=identity.channel,
        address=identity.address,
        body=reply.to_json(),
    )
    session.add(item)
    # replies enqueued in this transaction (forget-me keeps these: the confirmation must go out)
    session.info.setdefault("enqueued", []).append(item)
    conv.last_activity_at = utcnow()
    return message, item


async def short_payload(session: AsyncSession, payload: str) -> str:
    """A short id (fits Telegram's 64-byte callback_data) for a long button payload."""
    existing = await session.scalar(
        select(ButtonPayload.id).where(ButtonPayload.payload == payload)
    )
    if existing:
        return existing
    short = "p:" + secrets.token_urlsafe(9)
    session.add(ButtonPayload(id=short, payload=payload))
    await session.flush()
    return short


async def expand_payload(session: AsyncSession, data: str) -> str | None:
    """The payload behind a short id, or the data itself when it is a payload."""
    if data.startswith("p:"):
        return await session.scalar(select(ButtonPayload.payload).where(ButtonPayload.id == data))
    return data


async def transcript(session: AsyncSession, conversation_id: str) -> Sequence[Message]:
    """Every message of a conversation, in order."""
    return (
        await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
    ).all()


def within_whatsapp_window(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """True while the 24-hour customer-service window is open."""
    if last_inbound_at is None:
        return False
    return (now or utcnow()) - last_inbound_at < timedelta(hours=24)
