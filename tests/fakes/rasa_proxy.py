"""A loopback proxy in front of the real Rasa server that tests can switch off or slow down.

"down" closes the connection (as a stopped Rasa does), "slow" waits longer than the gateway's
timeout; "up" forwards to the real Rasa.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from harness.fakes.server import LoopbackServer


@dataclass
class RasaProxy(LoopbackServer):
    target: str
    mode: str = "up"
    forwarded: int = 0
    paths: list[str] = field(default_factory=list)  # the path of every forwarded request
    slow_texts: set[str] = field(default_factory=set)  # messages whose turn takes slow_seconds
    slow_seconds: float = 10.0
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.root

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.mode == "down":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=503)
        if self.mode == "slow":
            await asyncio.sleep(30)
        assert self._session is not None
        body = await request.read()
        if self.slow_texts and b'"message"' in body:
            import json

            if json.loads(body).get("message") in self.slow_texts:
                await asyncio.sleep(self.slow_seconds)  # one resident's slow turn
        async with self._session.request(
            request.method,
            self.target + request.path_qs,
            data=body,
            headers={
                k: v
                for k, v in request.headers.items()
                if k.lower() in ("content-type", "x-geldhulp-token")
            },
        ) as resp:
            self.forwarded += 1
            self.paths.append(request.path)
            return web.Response(
                body=await resp.read(), status=resp.status, content_type=resp.content_type
            )

    async def start(self) -> RasaProxy:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        await self.serve(app)
        return self

    async def close(self) -> None:
        await super().close()
        if self._session:
            await self._session.close()
