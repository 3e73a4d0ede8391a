"""Typed app keys of the web chat: its sockets (the hub) and its rendered page."""

from __future__ import annotations

from aiohttp import web

from bot.webchat.hub import WebChatHub

HUB = web.AppKey("webchat_hub", WebChatHub)
CHAT_PAGE = web.AppKey("webchat_page", str)
