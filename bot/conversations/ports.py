"""The ports of the use-case core: what a channel is to it, and where it reports its health.

A channel (bot/channels/, bot/webchat/) is a name, a pace, maybe a window, and send. The outbox
worker and the app factory know channels only through this protocol and the registry
(bot/channels/registry.py); no code outside a channel's own module branches on its name.
`Health` is what the workers report to (bot/health.py implements it for /readyz).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from bot.conversations.models import Reply

# a background loop a channel needs (e.g. Telegram's polling), started by the app
ChannelLoop = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class SendContext:
    """What a send may need from the gateway besides the reply."""

    # a short id for a button payload too long for the channel (stored by the gateway)
    short_payload: Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class Template:
    """An approved message template (WhatsApp): sent first after the customer-service window."""

    name: str
    language: str
    parameters: tuple[str, ...]
    body_text: str  # the approved text as the resident sees it (for the transcript)


class Health(Protocol):
    """Where loops report how their dependencies do (bot.health.Health in the app)."""

    def register(self, name: str, *, required: bool = True) -> None:
        """Announce a part before its first report."""

    def ok(self, name: str) -> None:
        """The part works."""

    def failing(self, name: str, error: BaseException | str) -> None:
        """The part fails (``error`` is logged by class name only)."""

    def beat(self, name: str) -> None:
        """The loop of this part is alive."""


class Unreported:
    """A `Health` that keeps nothing (workers built without one, in tests)."""

    def register(self, name: str, *, required: bool = True) -> None:
        """Nothing to announce."""

    def ok(self, name: str) -> None:
        """Nothing to keep."""

    def failing(self, name: str, error: BaseException | str) -> None:
        """Nothing to keep."""

    def beat(self, name: str) -> None:
        """Nothing to keep."""


class Channel(Protocol):
    """A channel the outbox can send to."""

    name: str
    pacing: float  # seconds between two sends to one chat (0: no pacing)
    window: timedelta | None  # free text only this long after the resident's last message

    async def start(self) -> None:
        """Open connections (failures are logged, sends are retried later)."""

    async def stop(self) -> None:
        """Close connections."""

    async def send(self, address: str, reply: Reply, context: SendContext) -> str:
        """Send one reply; return the channel's message id (or ""). Raises ChannelError."""

    async def send_template(self, address: str, template: Template) -> str:
        """Send an approved template (channels with a window). Raises ChannelError."""

    def loops(self) -> list[ChannelLoop]:
        """Background loops this channel needs (given the app's accept function)."""
