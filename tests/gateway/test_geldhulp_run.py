"""`geldhulp run` as `make run` starts it, started once for three promises (issue 22, privacy):

- it is quiet: with `make run`'s own lines, at most 40 lines before the URLs;
- no process it starts logs personal data: a resident writes a phone number, an e-mail address
  and a sentence of their own in the web chat, the assistant answers, and neither the run's
  output nor any of the three logs (Rasa, our action server, the gateway) holds any of them;
- Ctrl-C stops every process it started, also when its output is piped and the reader is gone
  (`make run | tee x`: Ctrl-C ends `tee` first, so the run cannot print any more).

One run for the three, because starting the stack (Rasa loading its model) is most of the time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from bot.privacy.logfilter import INSTALLED
from tests.support.run_process import RUNNING, RunProcess, alive, make_run_own_lines, start_run

MAX_LINES_BEFORE_URLS = 40  # issue 22, for `make run` as a whole
PHONE = "06 41 52 63 74"
PHONE_FORMS = ("06 41 52 63 74", "0641526374", "641526374", "+31641526374", "31641526374")
EMAIL = "jolanda.testpersoon@voorbeeld.nl"
SENTENCE = "mijn ex heeft de huur van de caravan in Zeewolde niet betaald"
MESSAGE = f"Hallo, {SENTENCE}. Bel me op {PHONE} of mail naar {EMAIL}"


async def chat_once(public_url: str, text: str) -> list[dict[str, object]]:
    """One message through the web chat; the replies that came for it."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(f"{public_url}/chat/ws", origin=public_url) as ws,
    ):
        await ws.send_json({"type": "hello"})
        welcome = await ws.receive_json(timeout=30)
        assert welcome["type"] == "welcome", welcome
        await ws.send_json({"type": "message", "text": text, "id": "log-test-1"})
        replies: list[dict[str, object]] = []
        async with asyncio.timeout(300):
            while not replies:
                message = json.loads((await ws.receive()).data)
                if message.get("type") == "message":
                    replies.append(message)
        return replies


def printed_so_far(run: RunProcess) -> str:
    """Everything the run printed: the lines read while it started and what waits in the pipe."""
    assert run.proc.stdout is not None
    os.set_blocking(run.proc.stdout.fileno(), False)
    waiting = run.proc.stdout.read() or b""
    return "".join(run.printed) + waiting.decode(errors="replace")


async def interrupt_with_the_reader_gone(run: RunProcess, children: dict[int, int]) -> None:
    """Close the pipe (the `tee` is gone), Ctrl-C, and wait until the run and its children end."""
    assert run.proc.stdout is not None
    run.proc.stdout.close()
    run.interrupt()
    async with asyncio.timeout(120):
        while run.proc.poll() is None or any(alive(pid) for pid in children):
            await asyncio.sleep(0.1)


@pytest.mark.rasa
async def test_quiet_private_and_stopped_by_ctrl_c(sqlite_url: str, tmp_path: Path) -> None:
    run = start_run(tmp_path, sqlite_url)
    children: dict[int, int] = {}
    try:
        await asyncio.to_thread(run.wait_until_running)
        before_urls = run.printed[: [line.strip() for line in run.printed].index(RUNNING)]
        children = run.children()
        # Rasa, the action server (and its Sanic worker) and the gateway
        assert len(set(children.values())) >= 3, children
        replies = await chat_once(run.public_url, MESSAGE)
        assert replies and replies[0]["text"], replies
        printed = printed_so_far(run)
        await interrupt_with_the_reader_gone(run, children)
    finally:
        for group in {run.proc.pid, *children.values()}:  # whatever is left, so no test leaks it
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)

    assert [pid for pid in children if alive(pid)] == []
    assert len(before_urls) + make_run_own_lines() <= MAX_LINES_BEFORE_URLS, before_urls

    logs = {path.name: path.read_text(errors="replace") for path in run.log_dir.glob("*.log")}
    assert set(logs) == {"actions.log", "rasa.log", "gateway.log"}, sorted(logs)
    # every process of ours installed the filter: the gateway, the action server and its worker
    assert logs["gateway.log"].count(INSTALLED) >= 1
    assert logs["actions.log"].count(INSTALLED) >= 2
    assert "Rasa server is up and running" in logs["rasa.log"]
    everything = {"output of geldhulp run": printed, **logs}
    for name, text in everything.items():
        for secret in (*PHONE_FORMS, EMAIL, "jolanda", SENTENCE, "caravan", "Zeewolde"):
            assert secret.lower() not in text.lower(), f"{secret!r} in {name}"
