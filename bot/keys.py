"""Typed keys for everything the app factory puts on the aiohttp app."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.settings import Settings
from bot.texts import TextCatalog

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", async_sessionmaker)
TEXTS = web.AppKey("texts", TextCatalog)
INBOX = web.AppKey("inbox_worker", object)
OUTBOX = web.AppKey("outbox_worker", object)
HUB = web.AppKey("webchat_hub", object)
FLOOD = web.AppKey("flood", dict)
EXTRA: web.AppKey[dict[str, Any]] = web.AppKey("extra", dict)
