"""The files residents sent: sealed (AES-GCM), tied to a conversation and its message.

A row belongs to a conversation (``conversation_id``), so forget-me and retention delete it
with the transcript (`bot.conversations.erasure` deletes every table with that column). A web
chat upload waits without a conversation until the router takes it (``owner_hash``: the keyed
hash of the uploader); the Media loop deletes uploads nobody took within an hour.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow


class MediaFile(Base):
    """One file: its kind, size and sealed bytes; for a letter, what was read from it."""

    __tablename__ = "media_files"
    __table_args__ = (Index("ix_media_files_conversation_time", "conversation_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # random: the console's URL
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    owner_hash: Mapped[str | None] = mapped_column(String(64))  # a web upload not yet taken
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))  # image | pdf | voice
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # a letter: kind, amount, deadline, urgency, confidence, and the "Klopt dit?" state
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
