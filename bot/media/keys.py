"""The typed app key of the Media part (set by the app factory, read by the edge and screens)."""

from __future__ import annotations

from aiohttp import web

from bot.media.service import Media

MEDIA = web.AppKey("media", Media)
