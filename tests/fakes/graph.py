"""A local fake of Meta's Graph API for WhatsApp messages (real HTTP on loopback).

Answers like the Cloud API (`messages[0].id` = a wamid), records what was sent, and can answer
429, 500 or a Graph error code (e.g. 131047, the closed 24-hour window) on demand.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class FakeGraph:
    """Records sends; `failures` holds (status, graph error code) for the next sends."""

    phone_number_id: str = "1122334455667"
    token: str = "graph-test-token"
    sent: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    server: TestServer | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}/v25.0"

    async def wait_for(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {self.sent}")
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout=0.5)
            except TimeoutError:
                pass
        return self.sent

    async def handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": {"code": 190, "message": "Invalid OAuth access token"}}, status=401)
        if request.match_info["phone"] != self.phone_number_id:
            return web.json_response({"error": {"code": 100, "message": "Unknown phone number"}}, status=400)
        body = await request.json()
        self.attempts += 1
        if self.failures:
            status, code = self.failures.pop(0)
            error = {"message": "error", "type": "OAuthException", "code": code or status}
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.json_response({"error": error}, status=status, headers=headers)
        self.sent.append(body)
        self.arrived.set()
        to = body.get("to") or body.get("recipient")
        return web.json_response({
            "messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.out.{len(self.sent)}"}],
        })

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_post("/v25.0/{phone}/messages", self.handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server:
            await self.server.close()
