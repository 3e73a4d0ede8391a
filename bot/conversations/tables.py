"""Conversation tables: identities, conversations, messages, events, inbox, outbox, handovers, notes.

`ChannelIdentity.address` is what the channel needs to answer (a Telegram chat id, a WhatsApp id or
a web-chat token). It is personal data: it is stored here only, never logged, and deleted when the
resident asks to be forgotten. Lookups go through `external_hash`, a keyed hash.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.staff import tables as _staff_tables  # noqa: F401 - handovers refer to teams and staff
from bot.storage.base import Base, UTCDateTime, utcnow


class ChannelIdentity(Base):
    """A resident on one channel (pseudonymous: no name, no phone number in clear in lookups)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(Base):
    """One conversation; keyed on an internal id (channel user ids can change)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_identity_status", "identity_id", "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default="bot", index=True)
    municipality_code: Mapped[str | None] = mapped_column(String(8), index=True)
    handover: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the assistant's decision
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # attend (issue 9): the summary for the person who takes over, kept with the conversation
    # (not wiped at close; erased with the transcript by forget-me and retention)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the resident's language (issue 17): a copy of Rasa's `language` slot; None is Dutch
    language: Mapped[str | None] = mapped_column(String(8))


class Message(Base):
    """A message in a conversation, in or out."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_time", "conversation_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(4))  # in | out
    sender_type: Mapped[str] = mapped_column(String(12))  # contact | bot | human | system
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # buttons, kind, intent
    channel_message_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    delivery: Mapped[str | None] = mapped_column(String(12))  # queued|sent|delivered|read|failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationEvent(Base):
    """An append-only record of what happened to a conversation (who, when, why)."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))  # resident | bot | system | staff:<id>
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxItem(Base):
    """An accepted inbound message, stored before the webhook is acknowledged.

    `dedupe_key` (Telegram update_id, WhatsApp wamid) is unique: a redelivery is a no-op.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_sender_status_id", "sender_hash", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(220), unique=True)
    sender_hash: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims (Rasa waits included)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the work queue (bot/conversations/queue.py): who holds the item, until when
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    message_id: Mapped[int | None] = mapped_column(Integer)  # the stored message, once stored
    failures: Mapped[int] = mapped_column(Integer, default=0)  # unexpected errors (poison)
    last_error: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxItem(Base):
    """A message to send, kept until the channel accepted it (or we gave up, visibly).

    `status`: pending | sent | failed | awaiting_reply (WhatsApp: the template went out, free
    text waits until the resident answers) | needs_template (no template configured) |
    unconfirmed (in flight at two crashes: never sent a third time; a person checks).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_address_status_id", "channel", "address", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(
        String(16), default="pending", index=True
    )  # …|needs_template
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # the crash window (docs/gateway.md): set, committed, right before the channel call and
    # cleared with its result; found set by a later claim = possibly sent, resent at most once
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message: Mapped[Message | None] = relationship(lazy="raise")


class Instance(Base):
    """A running gateway instance and its heartbeat (the `lease_owner` of the items it holds).

    A leased item whose owner's heartbeat is older than `queue.DEAD_AFTER` may be taken over
    before its lease runs out (bot/conversations/queue.py).
    """

    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WhatsAppTemplate(Base):
    """The approved template a municipality sends first after WhatsApp's 24-hour window.

    `municipality_code` None is the default. `parameters` fill the template body's {{1}}, {{2}} …
    in order; `body_text` is the approved text as residents see it (for the transcript).
    """

    __tablename__ = "whatsapp_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    municipality_code: Mapped[str | None] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(16))
    parameters: Mapped[list[str]] = mapped_column(JSON, default=list)
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ButtonPayload(Base):
    """Long button payloads behind short ids (Telegram callback_data is at most 64 bytes)."""

    __tablename__ = "button_payloads"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SenderRate(Base):
    """Flood control: messages per sender in the current window."""

    __tablename__ = "sender_rates"

    sender_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Handover(Base):
    """One request for a person: routing, waiting, who took it, and how it ended."""

    __tablename__ = "handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(30))
    contact_consent: Mapped[bool | None] = mapped_column(
        Boolean
    )  # out of hours: may we write later?
    # attend (issue 9): crisis, acknowledgements, timeouts, callbacks, what the person has seen
    crisis_kind: Mapped[str | None] = mapped_column(String(20))  # suicide, violence … or crisis
    crisis_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    possible_crisis_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last "je bericht staat klaar"
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reoffered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_message: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_message_id: Mapped[int | None] = mapped_column(Integer)


class Note(Base):
    """A private note on a conversation (never sent to the resident)."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CallbackPhone(Base):
    """A phone number a web-chat resident gave for a promised callback (issue 18).

    Sealed (AES-GCM with the media key, bound to the row's id), shown only to the team that has
    the chat, deleted when the request ends, by forget-me and by retention (the erasure deletes
    every table with a ``conversation_id``). ``consent_at`` is set when the resident confirmed
    the number; until then the team does not see it.
    """

    __tablename__ = "callback_phones"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    handover_id: Mapped[int] = mapped_column(Integer)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CsatAnswer(Base):
    """One answer to the question after a person closed a chat (bot/conversations/csat.py).

    Kept without content and without a link to the conversation or the resident: the score, the
    team, the person who closed, the channel and the day. Reported per team and person.
    """

    __tablename__ = "csat_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    score: Mapped[int] = mapped_column(Integer)  # 1 not good, 2 okay, 3 good
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    answered_on: Mapped[date] = mapped_column(Date, index=True)
