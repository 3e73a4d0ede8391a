"""Open web-chat sockets per resident token; the outbox 'sends' by pushing to them.

A reply for a socket on this instance is delivered directly, in process; only the pushes for
sockets on other instances go through Redis pub/sub (each push names its origin, so the origin's
own listener skips it). Redis down never holds a reply back: the reply is in the transcript, this
instance's sockets have it, and when the listener is subscribed again after an outage every
socket here catches up from the database (a fresh welcome with the history). Sockets are keyed
by a hash of the token (the token is the resident's secret).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.conversations.models import Reply
from bot.conversations.ports import ChannelLoop, SendContext, Template
from bot.errors import ChannelError

logger = logging.getLogger(__name__)
CHANNEL = "web"
# what a socket is sent to catch up (the page's welcome: token and history from the database)
CatchUp = Callable[[], Awaitable[dict[str, Any]]]


def token_key(token: str) -> str:
    """The key of a resident's sockets (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def socket_message(reply: Reply) -> dict[str, Any]:
    """The JSON a chat page receives for one reply."""
    payload: dict[str, Any] = {
        "type": "message",
        "from": "person" if reply.author else "bot",
        "text": reply.text,
        "buttons": [{"title": t, "payload": p} for t, p in reply.buttons],
    }
    if reply.author:
        payload["author"] = dict(reply.author)
    return payload


class WebChatHub:
    """Web-chat connections by resident token, on this instance (and others through Redis)."""

    name = CHANNEL
    pacing = 0.0
    window: timedelta | None = None

    def __init__(self, redis: Any = None, prefix: str = "geldhulp:", health: Any = None) -> None:
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self._catch_up: dict[web.WebSocketResponse, CatchUp] = {}
        self._redis, self._topic, self._health = redis, f"{prefix}webchat", health
        self._origin = secrets.token_hex(8)  # this instance, in its own pushes

    def add(self, token: str, ws: web.WebSocketResponse, catch_up: CatchUp | None = None) -> None:
        """Register an open socket; ``catch_up`` builds what it needs after a Redis outage."""
        self._sockets[token_key(token)].add(ws)
        if catch_up is not None:
            self._catch_up[ws] = catch_up

    def remove(self, token: str, ws: web.WebSocketResponse) -> None:
        """Forget a closed socket."""
        key = token_key(token)
        self._sockets[key].discard(ws)
        self._catch_up.pop(ws, None)
        if not self._sockets[key]:
            self._sockets.pop(key, None)

    async def start(self) -> None:
        """Nothing to open (the listener is a loop)."""

    async def stop(self) -> None:
        """Close every socket."""
        await self.close_all()

    async def send(self, address: str, reply: Reply, context: SendContext | None = None) -> str:
        """Push a reply to every open tab of this resident, on any instance.

        A resident with no open tab sees the reply in the history when they come back.
        """
        payload = socket_message(reply)
        key = token_key(address)
        if key in self._sockets:  # a socket on this instance: directly, Redis or not
            await self._deliver(key, payload)
        if self._redis is None:
            return ""
        try:  # tabs of the same resident on other instances
            await self._redis.publish(
                self._topic, json.dumps({"k": key, "p": payload, "o": self._origin})
            )
        except Exception as exc:  # noqa: BLE001 - they catch up from the database later
            logger.warning(
                "web chat push to other instances failed (%s); they catch up when Redis is back",
                exc.__class__.__name__,
            )
        return ""

    async def typing(self, address: str) -> None:
        """Tell every open tab of this resident that a person is typing (no content, not stored;
        the page shows its status line for a few seconds)."""
        payload = {"type": "typing"}
        key = token_key(address)
        if key in self._sockets:
            await self._deliver(key, payload)
        if self._redis is not None:
            with contextlib.suppress(Exception):  # an indicator is not worth a retry
                await self._redis.publish(
                    self._topic, json.dumps({"k": key, "p": payload, "o": self._origin})
                )

    async def send_template(self, address: str, template: Template) -> str:
        """The web chat has no templates."""
        error = ChannelError("web chat has no templates")
        error.retryable = False
        raise error

    def loops(self) -> list[ChannelLoop]:
        """With Redis: the listener that delivers pushes from every instance to our sockets."""
        return [self.listen] if self._redis is not None else []

    async def _deliver(self, key: str, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        for ws in list(self._sockets.get(key, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(text)

    async def listen(self, stop: asyncio.Event) -> None:
        """Receive pushes from Redis and deliver those for our sockets; survive Redis restarts."""
        errors = 0
        while not stop.is_set():
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._topic)
                if self._health is not None:
                    self._health.ok("webchat_pubsub")
                if errors:  # pushes from other instances may have been lost meanwhile
                    await self.catch_up()
                errors = 0
                while not stop.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if self._health is not None:
                        self._health.beat("webchat_pubsub")
                    if message is None or message.get("type") != "message":
                        continue
                    data = json.loads(message["data"])
                    if data.get("o") == self._origin:
                        continue  # ours: delivered directly when it was sent
                    if data.get("k") in self._sockets:
                        await self._deliver(data["k"], data["p"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect with backoff
                errors += 1
                if self._health is not None:
                    self._health.failing("webchat_pubsub", exc)
                logger.warning("web chat pub/sub failed (%s); reconnecting", exc.__class__.__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), timeout=min(10.0, 0.2 * 2 ** min(errors, 6))
                    )
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def catch_up(self) -> None:
        """Every socket here gets its conversation again from the database (after an outage)."""
        for ws, build in list(self._catch_up.items()):
            try:
                await ws.send_str(json.dumps(await build()))
            except (ConnectionError, RuntimeError):
                continue
            except Exception as exc:  # noqa: BLE001 - the database down too: the page reloads later
                logger.warning("web chat catch-up failed (%s)", exc.__class__.__name__)

    async def close_all(self) -> None:
        """Close every socket (on shutdown)."""
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close(code=1001, message=b"server shutdown")
