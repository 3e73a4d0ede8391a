"""Open web-chat sockets per resident token; the outbox 'sends' by pushing to them."""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from typing import Any

from aiohttp import web

from bot.conversations.models import Reply

CHANNEL = "web"


class WebChatHub:
    """Web-chat connections by resident token (a random secret kept in the browser)."""

    name = CHANNEL

    def __init__(self) -> None:
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    def add(self, token: str, ws: web.WebSocketResponse) -> None:
        """Register an open socket."""
        self._sockets[token].add(ws)

    def remove(self, token: str, ws: web.WebSocketResponse) -> None:
        """Forget a closed socket."""
        self._sockets[token].discard(ws)
        if not self._sockets[token]:
            self._sockets.pop(token, None)

    async def send(self, address: str, reply: Reply) -> str:
        """Push a reply to every open tab of this resident; history covers closed tabs."""
        payload: dict[str, Any] = {
            "type": "message",
            "from": "person" if reply.author else "bot",
            "text": reply.text,
            "buttons": [{"title": t, "payload": p} for t, p in reply.buttons],
        }
        if reply.author:
            payload["author"] = dict(reply.author)
        for ws in list(self._sockets.get(address, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(json.dumps(payload))
        return ""

    async def close_all(self) -> None:
        """Close every socket (on shutdown)."""
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close(code=1001, message=b"server shutdown")
