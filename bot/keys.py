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
FLOOD = web.AppKey("flood", dict)  # unused since the counters; kept for older features
# flood and pacing counters (bot.storage.ratelimit: Redis, or memory for one instance)
COUNTERS = web.AppKey("counters", object)
HEALTH = web.AppKey("health", object)  # bot.health.Health of this instance
RASA = web.AppKey("rasa", object)  # bot.conversations.rasa.RasaClient
CHANNELS = web.AppKey("channels", dict)  # name -> bot.channels.base.Channel
REDIS = web.AppKey("redis", object)  # a redis.asyncio client, or None without Redis
LOCKS = web.AppKey("locks", object)  # bot.storage.locks.Locks: leader locks for cluster-wide loops
EXTRA: web.AppKey[dict[str, Any]] = web.AppKey("extra", dict)
# Background loops that features register while the app starts (in `attach`-style hooks): each
# is called with the app's stop event and runs until it is set. The app factory starts them with
# its own workers and waits for them at shutdown.
Background = Callable[[Any], Awaitable[None]]
BACKGROUND: web.AppKey[list[Background]] = web.AppKey("background", list)
