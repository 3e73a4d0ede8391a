"""Staff tables: teams (with opening hours), staff accounts, their login sessions, the audit log.

Staff rules know no screens: the console and the dashboard use these through `bot.staff`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow


class Team(Base):
    """A team of a municipality (or a regional/national pool when it lists no municipalities)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    municipality_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # [] = national pool
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # counsellor, peer
    # {"0": [["09:00", "17:00"]], …} per weekday (0 = Monday), Europe/Amsterdam time
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffUser(Base):
    """A counsellor, lived-experience expert, team lead, analyst or admin."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    password_hash: Mapped[str] = mapped_column(String(300))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    presence: Mapped[str] = mapped_column(String(12), default="offline")  # available|away|offline
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # second factor (TOTP, RFC 6238): the shared secret, when it was set up, the last time step
    # used (a code works once), and the scrypt hashes of the unused recovery codes
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    recovery_codes: Mapped[list[str]] = mapped_column(JSON, default=list)


class StaffSession(Base):
    """A browser: random id in a secure cookie, its CSRF token, expiry, and how far the login is.

    ``stage`` is "full" (logged in), "mfa" (password right, code still to give) or "enrol"
    (password right, the second factor still to set up). Only "full" sessions are logged in.
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stage: Mapped[str] = mapped_column(String(12), default="full")
    pending_secret: Mapped[str | None] = mapped_column(String(64))  # TOTP being set up
    code_failures: Mapped[int] = mapped_column(Integer, default=0)


class LoginThrottle(Base):
    """Login attempts per key (account+address, address, all) in the current window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AccessReason(Base):
    """Why an admin opened a conversation outside their own team (shown to the team lead)."""

    __tablename__ = "access_reasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(36), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One staff action (BIO 8.15): actor, action, object, result, origin and time, hash-chained.

    ``prev_hash`` is the ``hash`` of the entry before (by id); see `bot.staff.audit`.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    conversation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_ref: Mapped[str | None] = mapped_column(String(120))
    result: Mapped[str] = mapped_column(String(40), default="ok")
    origin: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class StaffAlert(Base):
    """Something a team (or its lead, or the admins) must see in the console, until seen.

    ``kind`` is a code from the Dutch label file (e.g. "missed_crisis", "login_spike");
    ``ref`` points at what it is about without personal data (a conversation id, a question id).
    """

    __tablename__ = "staff_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(20))  # team | team_lead | admin
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    municipality_code: Mapped[str | None] = mapped_column(String(8), index=True)
    ref: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))


DEFAULT_MAX_WAIT_MINUTES = 20
DEFAULT_SILENCE_MINUTES = 10


class TeamRules(Base):
    """How one team attends: crisis pool (around the clock), waiting limit, silence limit."""

    __tablename__ = "team_rules"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    crisis_pool: Mapped[bool] = mapped_column(Boolean, default=False)
    max_wait_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_WAIT_MINUTES)
    silence_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_SILENCE_MINUTES)
