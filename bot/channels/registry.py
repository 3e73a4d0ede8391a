"""The channel registry: which channels exist and how each is built from the settings.

The app factory builds every configured channel through this table and never branches on a
channel's name; a new channel is one module and one line here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.conversations.ports import Channel
from bot.settings import Settings


@dataclass(frozen=True)
class Deps:
    """What channels may need from the app."""

    http: aiohttp.ClientSession
    health: Any
    hub: Channel  # the web chat (built by the app: its sockets live in the web views)
    accept_update: Callable[[str, dict[str, Any]], Awaitable[None]]  # (channel, raw update)


def _web(settings: Settings, deps: Deps) -> Channel | None:
    return deps.hub


def _telegram(settings: Settings, deps: Deps) -> Channel | None:
    if not str(settings.telegram_token) or settings.telegram_mode == "off":
        return None
    from bot.channels.telegram import TelegramChannel

    polling = settings.telegram_mode == "polling" or (
        settings.telegram_mode == "auto" and not str(settings.telegram_webhook_secret)
    )

    async def accept(update: dict[str, Any]) -> None:
        await deps.accept_update("telegram", update)

    return TelegramChannel(
        str(settings.telegram_token),
        settings.telegram_base_url,
        accept=accept if polling else None,
        health=deps.health,
    )


def _whatsapp(settings: Settings, deps: Deps) -> Channel | None:
    if not (str(settings.whatsapp_token) and settings.whatsapp_phone_number_id):
        return None
    from bot.channels.whatsapp import WhatsAppChannel

    return WhatsAppChannel(
        deps.http,
        settings.whatsapp_graph_url,
        settings.whatsapp_phone_number_id,
        str(settings.whatsapp_token),
    )


BUILDERS: dict[str, Callable[[Settings, Deps], Channel | None]] = {
    "web": _web,
    "telegram": _telegram,
    "whatsapp": _whatsapp,
}


def build_channels(
    settings: Settings, deps: Deps, pacing: dict[str, float] | None = None
) -> dict[str, Channel]:
    """Every configured channel by name; ``pacing`` overrides a channel's pace (tests)."""
    channels: dict[str, Channel] = {}
    for name, build in BUILDERS.items():
        channel = build(settings, deps)
        if channel is None:
            continue
        if pacing is not None:
            channel.pacing = pacing.get(name, channel.pacing if pacing else 0.0)
        channels[name] = channel
    return channels
