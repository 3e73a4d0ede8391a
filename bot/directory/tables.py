"""Directory tables: municipalities (with aliases and mergers), PC4 areas, help services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow


class Municipality(Base):
    """A municipality of the CBS 2024 division, or a former one (``merged_into`` set)."""

    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # GM0518
    name: Mapped[str] = mapped_column(String(80), index=True)
    province: Mapped[str] = mapped_column(String(40))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("municipalities.code"))
    # the general number (14 + area code) where a source gives it; never derived from area codes
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_source: Mapped[str | None] = mapped_column(String(500))
    phone_source_date: Mapped[str | None] = mapped_column(String(40))
    # entries not checked for longer than this many days are flagged (None: CHECK_LIMIT_DAYS)
    check_limit_days: Mapped[int | None] = mapped_column(Integer)


class PostcodeArea(Base):
    """A 4-digit postcode and the municipality holding most of its addresses."""

    __tablename__ = "postcode_areas"

    pc4: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipalities.code"), index=True)
    addresses: Mapped[int] = mapped_column(Integer)
    # other municipalities sharing this PC4: [{"code": "GM0393", "addresses": 12}, …]
    others: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class HelpService(Base):
    """A help service: who it is for, how to reach it, where it works, and how sure we are."""

    __tablename__ = "help_services"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text)  # B1, what they do
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)  # topic intents
    audience: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(16))  # national | regional | municipality
    # what it is for, from its source: personal help, or for professionals only (never offered)
    purpose: Mapped[str] = mapped_column(String(16), default="personal", server_default="personal")
    municipalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str | None] = mapped_column(String(300))
    chat: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    walk_in: Mapped[str | None] = mapped_column(
        String(300)
    )  # the hours as text ("ma, di 09.30-11.30")
    walk_in_place: Mapped[bool | None] = mapped_column(Boolean)  # walk in without an appointment
    # when it is open, per weekday: {"ma": [["09:30", "11:30"]], …} (bot.directory.hours)
    opening_hours: Mapped[dict[str, list[list[str]]] | None] = mapped_column(JSON)
    free: Mapped[bool | None] = mapped_column(Boolean)
    anonymous: Mapped[bool | None] = mapped_column(Boolean)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    example: Mapped[bool] = mapped_column(Boolean, default=False)  # an example to be checked
    source: Mapped[str | None] = mapped_column(String(500))
    source_date: Mapped[str | None] = mapped_column(String(40))
    last_checked: Mapped[date | None] = mapped_column(Date)
    checked_by: Mapped[str | None] = mapped_column(String(120))  # who marked it checked
    expires: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(16), default="reference")  # reference | GMxxxx
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
