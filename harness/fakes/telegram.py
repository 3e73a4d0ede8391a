"""A local fake of the Telegram Bot API (real HTTP on loopback), recording every call.

python-telegram-bot is pointed at it with `base_url`; it speaks the Bot API's JSON envelope
({"ok": true, "result": …}) and can answer 429 (with parameters.retry_after) or 500 on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.fakes.server import LoopbackServer

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Geldhulp", "username": "geldhulp_bot"}


@dataclass
class FakeTelegram(LoopbackServer):
    """Records calls; `failures` is a queue of (status, retry_after) for the next sendMessage calls."""

    token: str = "4242:TEST-token"  # noqa: S105 - the fake's own
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    next_id: int = 100
    updates: list[dict[str, Any]] = field(default_factory=list)  # served by getUpdates
    down_until: float = 0.0  # time.monotonic() before which every call answers 502
    listeners: list[Any] = field(default_factory=list)  # called with each accepted send
    get_updates_failures: int = 0  # the next getUpdates calls that answer 500

    @property
    def base_url(self) -> str:
        return f"{self.root}/bot"

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Every accepted sendMessage, optionally for one chat."""
        return [
            p
            for m, p in self.calls
            if m == "sendMessage"
            and p.get("_ok")
            and (chat_id is None or str(p.get("chat_id")) == str(chat_id))
        ]

    async def wait_for(
        self,
        count: int,
        chat_id: int | str | None = None,
        timeout: float = 60,  # noqa: ASYNC109 - a plain bound for tests
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages arrived (bounded; fails the test when they don't)."""
        await self.wait_until(
            lambda: len(self.sent(chat_id)) >= count, lambda: self.sent(chat_id), timeout
        )
        return self.sent(chat_id)

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        if time.monotonic() < self.down_until:
            self.calls.append((method, {"_down": True}))
            return web.json_response(
                {"ok": False, "error_code": 502, "description": "Bad Gateway"}, status=502
            )
        if method == "getUpdates" and self.get_updates_failures > 0:
            self.get_updates_failures -= 1
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                status=500,
            )
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            params = {}
            for key, value in form.items():
                params[key] = value  # a file, or a value that is not JSON
                if isinstance(value, str | bytes | bytearray):
                    with contextlib.suppress(ValueError):
                        params[key] = json.loads(value)  # PTB sends JSON-encoded values
        record = dict(params)
        self.calls.append((method, record))
        if method == "sendMessage" and self.failures:
            status, retry_after = self.failures.pop(0)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": status,
                "description": "Too Many Requests" if status == 429 else "Internal Server Error",
            }
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return web.json_response(body, status=status)
        result: Any = True
        if method == "getMe":
            result = BOT_USER
        elif method == "getUpdates":
            offset = int(params.get("offset") or 0)
            result = [u for u in self.updates if u["update_id"] >= offset]
            if not result:
                await asyncio.sleep(0.2)  # a short long-poll
        elif method == "sendMessage":
            self.next_id += 1
            record["_ok"] = True
            record["_t"] = time.monotonic()
            for listener in self.listeners:
                listener(record)
            result = {
                "message_id": self.next_id,
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "text": params.get("text", ""),
            }
            self.arrived.set()
        return web.json_response({"ok": True, "result": result})

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        await self.serve(app)
        return self
