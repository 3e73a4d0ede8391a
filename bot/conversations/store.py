"""Conversation data access: inbox, identities, conversations, messages, events, outbox."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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


async def identity_and_conversation(
    session: AsyncSession, channel: str, external_hash: str, address: str
) -> tuple[ChannelIdentity, Conversation | None]:
    """`identity_for` and the identity's open conversation (None: none yet) in one read."""
    row = (
        await session.execute(
            select(ChannelIdentity, Conversation)
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
        return await identity_for(session, channel, external_hash, address), None
    identity, conv = row
    if identity.address != address:
        identity.address = address  # e.g. a WhatsApp number became a username (BSUID)
    return identity, conv


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


async def conversation_and_identity(
    session: AsyncSession, conversation_id: str
) -> tuple[Conversation | None, ChannelIdentity | None, bool]:
    """A conversation, its resident's identity (None: forgotten) and whether it was answered
    before (`answered_before`), in one read."""
    answered = (
        exists()
        .where(Message.conversation_id == Conversation.id, Message.direction == "out")
        .correlate(Conversation)
        .label("answered")
    )
    row = (
        await session.execute(
            select(Conversation, ChannelIdentity, answered)
            .outerjoin(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
            .where(Conversation.id == conversation_id)
        )
    ).first()
    if row is None:
        return None, None, False
    return row[0], row[1], bool(row[2])


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
    session: AsyncSession, conv: Conversation, inbound: Inbound, data: dict[str, Any]
) -> Message | None:
    """Store the resident's message; None when this channel message was stored before."""
    if inbound.channel_message_id:
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
