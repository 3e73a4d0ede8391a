"""Open web-chat sockets per resident token; the outbox 'sends' by pushing to them.

With Redis the push goes through pub/sub, so a reply reaches the resident whichever gateway
instance holds the socket; without Redis, only this instance's sockets (one instance). Sockets
are keyed by a hash of the token (the token is the resident's secret).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.conversations.models import Reply
from bot.conversations.ports import ChannelLoop, SendContext, Template
from bot.errors import ChannelError

logger = logging.getLogger(__name__)
CHANNEL = "web"


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
        self._redis, self._topic, self._health = redis, f"{prefix}webchat", health

    def add(self, token: str, ws: web.WebSocketResponse) -> None:
        """Register an open socket."""
        self._sockets[token_key(token)].add(ws)

    def remove(self, token: str, ws: web.WebSocketResponse) -> None:
        """Forget a closed socket."""
        key = token_key(token)
        self._sockets[key].discard(ws)
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
        if self._redis is None:
            await self._deliver(key, payload)
            return ""
        try:
            await self._redis.publish(self._topic, json.dumps({"k": key, "p": payload}))
        except Exception as exc:  # noqa: BLE001 - Redis down: retried by the outbox
            raise ChannelError(f"redis publish failed ({exc.__class__.__name__})") from exc
        return ""

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
                errors = 0
                while not stop.is_set():
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if self._health is not None:
                        self._health.beat("webchat_pubsub")
                    if message is None or message.get("type") != "message":
                        continue
                    data = json.loads(message["data"])
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

    async def close_all(self) -> None:
        """Close every socket (on shutdown)."""
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close(code=1001, message=b"server shutdown")
