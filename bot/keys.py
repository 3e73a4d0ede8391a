"""Typed keys for what every part reads from the aiohttp app: settings, texts, the database.

The app factory (bot/app.py) sets them. Keys for one part's own services live in that part
(`bot.conversations.keys`, `bot.webchat.keys`, `bot.health.HEALTH`), so that this module, like
the rest of the foundation, imports nothing of ours but settings and texts.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from bot.texts import TextCatalog

SETTINGS = web.AppKey("settings", Settings)
TEXTS = web.AppKey("texts", TextCatalog)
DB: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("db", async_sessionmaker)
