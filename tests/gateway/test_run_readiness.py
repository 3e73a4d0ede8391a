"""`geldhulp run` calls a service ready only when that service answers, not any program on its port.

Rasa binds its port only after loading its model (a minute or more on a busy machine). Before
this check, any server that took the port meanwhile answered `GET /` with less than 500, the run
printed "Geldhulp is running:" and the gateway's messages went to the stranger (a CI run of the
whole suite caught it: Rasa's log ended before "Rasa server is up and running").
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.supervise import RASA_HELLO, Child, _wait_ready


@pytest.fixture
async def child(tmp_path: Path) -> AsyncIterator[Child]:
    """A running process standing in for the service being waited for."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "import time; time.sleep(60)")
    yield Child("rasa", proc, tmp_path / "rasa.log")
    if proc.returncode is None:
        proc.kill()
        await proc.wait()


def app_answering(text: str, status: int = 200) -> web.Application:
    """A loopback server that answers ``GET /`` with ``text`` and ``status``."""

    async def root(_: web.Request) -> web.Response:
        return web.Response(text=text, status=status)

    app = web.Application()
    app.router.add_get("/", root)
    return app


@pytest.mark.parametrize(
    ("text", "status"),
    [("404: Not Found", 404), ("<html>een andere website</html>", 200), (RASA_HELLO, 503)],
)
async def test_another_program_on_the_port_is_not_ready(
    aiohttp_server: Any, child: Child, text: str, status: int
) -> None:
    server = await aiohttp_server(app_answering(text, status))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TimeoutError, match=f"something else answers there: HTTP {status}"):
            await _wait_ready(session, str(server.make_url("/")), child, 1.5, expect=RASA_HELLO)


async def test_rasa_answering_is_ready(aiohttp_server: Any, child: Child) -> None:
    server = await aiohttp_server(app_answering(f"{RASA_HELLO}: 3.6.21"))
    async with aiohttp.ClientSession() as session:
        await _wait_ready(session, str(server.make_url("/")), child, 30, expect=RASA_HELLO)


async def test_a_stopped_service_is_named_with_its_log(child: Child) -> None:
    child.log.write_text("Traceback: het model ontbreekt\n")
    child.proc.kill()
    await child.proc.wait()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(RuntimeError, match="het model ontbreekt"):
            await _wait_ready(session, "http://127.0.0.1:9/", child, 30, expect=RASA_HELLO)
