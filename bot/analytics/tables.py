"""Tables for analytics: one row per event, plus redacted unanswered questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow


class AnalyticsEvent(Base):
    """Something that happened, without personal data. ``conversation_ref`` is a pseudonym."""

    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_events_muni_time", "municipality_code", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    municipality_code: Mapped[str | None] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(16))
    conversation_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    topic: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    value_seconds: Mapped[float | None] = mapped_column(Float)
    out_of_hours: Mapped[bool | None] = mapped_column(Boolean)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UnansweredQuestion(Base):
    """A message the assistant could not answer, with personal data removed before storing.

    An analyst of the municipality reviews it in the dashboard: ``review_label`` is the intent it
    should have had (a topic intent, ``out_of_scope`` or ``crisis``); ``missed_crisis`` is set when
    it was a crisis the assistant missed. ``geldhulp nlu export`` writes reviewed rows to
    ``nlu_data/reviewed/`` and stamps ``exported_at``. ``conversation_ref`` is the analytics
    pseudonym of the conversation (distinct residents for the k < 5 rule; forget-me).
    """

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    municipality_code: Mapped[str | None] = mapped_column(String(8), index=True)
    channel: Mapped[str | None] = mapped_column(String(16))
    text_redacted: Mapped[str] = mapped_column(Text)
    intent_guess: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[float | None] = mapped_column(Float)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[str | None] = mapped_column(String(64))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    conversation_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    review_label: Mapped[str | None] = mapped_column(String(40))
    missed_crisis: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reviewed_by: Mapped[int | None] = mapped_column(Integer)  # staff id; the audit log has more
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
