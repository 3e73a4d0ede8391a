"""What the fake servers share: a real HTTP server on loopback, and bounded waiting."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from aiohttp import web
from aiohttp.test_utils import TestServer


class LoopbackServer:
    """Serves an aiohttp app on 127.0.0.1 and lets tests wait for something to arrive."""

    server: TestServer | None = None
    arrived: asyncio.Event

    async def serve(self, app: web.Application) -> None:
        self.arrived = asyncio.Event()
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    @property
    def root(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    async def wait_until(
        self,
        ready: Callable[[], bool],
        what: Callable[[], object],
        timeout: float = 60,  # noqa: ASYNC109 - a plain bound for tests
    ) -> None:
        """Wait until ``ready()`` holds; fail the test with ``what()`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; got {what()}")
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), timeout=0.5)

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()
