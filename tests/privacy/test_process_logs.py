"""No personal data in the log of any process we start: `geldhulp run` starts the action server
(our entry, bot/actionserver.py), Rasa and the gateway as `make run` does; a resident writes a
phone number, an e-mail address and a sentence of their own in the web chat, the assistant
answers, and neither the output of the run nor any of the three logs holds any of them."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest

from bot.privacy.logfilter import INSTALLED
from tests.support.run_process import start_run

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


@pytest.mark.rasa
async def test_no_process_logs_a_phone_number_an_address_or_a_message(
    sqlite_url: str, tmp_path: Path
) -> None:
    run = start_run(tmp_path, sqlite_url)
    try:
        await asyncio.to_thread(run.wait_until_running)
        replies = await chat_once(run.public_url, MESSAGE)
        assert replies and replies[0]["text"], replies
    finally:
        printed = await asyncio.to_thread(run.stop)
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
