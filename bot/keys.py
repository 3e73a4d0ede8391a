"""Typed keys for everything the app factory puts on the aiohttp app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
# Background loops that features register while the app starts (in `attach`-style hooks): each
# is called with the app's stop event and runs until it is set. The app factory starts them with
# its own workers and waits for them at shutdown.
Background = Callable[[Any], Awaitable[None]]
BACKGROUND: web.AppKey[list[Background]] = web.AppKey("background", list)
