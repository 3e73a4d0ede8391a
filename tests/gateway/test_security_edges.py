"""Issue 11 at the gateway's edges: loopback-only services, HSTS and Secure cookies outside
development, no personal data in the logs of a failing write, the AI disclosure on every channel.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.conversations.tables import InboxItem
from bot.settings import Secret, Settings
from bot.storage.db import open_database
from bot.texts import TextCatalog
from harness.rasa_stack import ROOT, free_port, wait_http
from tests.gateway.conftest import TG_SECRET, fixture

TEXTS = TextCatalog.load()
DISCLOSURE = TEXTS.render("utter_disclosure").text


# --- loopback only ------------------------------------------------------------------------------


def _listening(pid: int) -> list[str]:
    """Local addresses of the TCP sockets process ``pid`` listens on (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            parts = line.split()
            local, state, inode = parts[1], parts[3], parts[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                found.append(local.split(":")[0])
    return found


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            pids += _tree(int(child))
    return pids


@pytest.mark.rasa
def test_rasa_and_the_action_server_listen_on_loopback_only(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1
    for proc in rasa_stack.procs:
        addresses = [a for pid in _tree(proc.pid) for a in _listening(pid)]
        assert addresses, f"process {proc.pid} listens on nothing?"
        assert set(addresses) <= loopback, addresses


def test_rasas_unauthenticated_rest_channel_is_off_outside_development() -> None:
    from bot.settings import Settings
    from bot.supervise import rasa_args

    production = rasa_args(Settings(env="production"), 5005)
    development = rasa_args(Settings(env="development"), 5005)
    assert production[production.index("--credentials") + 1] == "credentials.yml"
    assert development[development.index("--credentials") + 1] == "credentials.dev.yml"
    from bot.yamlfile import parse_yaml

    channels = parse_yaml((ROOT / "credentials.yml").read_text())
    assert list(channels) == ["rasa_addons.gateway_channel.GatewayInput"]
    assert "--interface" in production and production[production.index("--interface") + 1] == (
        "127.0.0.1"
    )


# --- HSTS and Secure cookies ----------------------------------------------------------------------


@pytest.mark.parametrize("env", ["production", "development"])
async def test_hsts_and_secure_cookies_outside_development(sqlite_url: str, env: str) -> None:
    settings = Settings(
        env=env,
        database_url=sqlite_url,
        secret_key=Secret("k" * 32),
        pseudonym_key=Secret("p" * 32),
        rasa_channel_token=Secret("t" * 32),
    )
    app = create_app(settings, workers=False)

    async def cookie(_: web.Request) -> web.Response:
        response = web.Response(text="ok")
        response.set_cookie("session", "abc", httponly=True)
        return response

    app.router.add_get("/test-cookie", cookie)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        response = await client.get("/test-cookie")
        hsts = response.headers.get("Strict-Transport-Security")
        set_cookie = response.headers.get("Set-Cookie", "")
    finally:
        await client.close()
    if env == "production":
        assert hsts and "max-age=31536000" in hsts
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie
    else:  # plain http on a developer's machine
        assert hsts is None and "Secure" not in set_cookie


# --- logs -----------------------------------------------------------------------------------------


async def test_a_failing_write_logs_no_phone_number_chat_id_or_text(postgres_url: str) -> None:
    """The real gateway process (production logging): a write fails inside the worker."""
    phone, chat_id, words = "0612345678", 987654321, "schrijven-mislukt"
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:  # the database refuses this message's row (as it would a broken one)
        await conn.execute(
            f"ALTER TABLE messages ADD CONSTRAINT refuse_test CHECK (text NOT LIKE '%{words}%')"
        )
    finally:
        await conn.close()
    port = free_port()
    env = {
        **os.environ,
        "GELDHULP_ENV": "production",
        "GELDHULP_MEDIA_KEY": "ab" * 32,
        "GELDHULP_DATABASE_URL": postgres_url,
        "GELDHULP_PORT": str(port),
        "GELDHULP_SECRET_KEY": "s" * 32,
        "GELDHULP_PSEUDONYM_KEY": "p" * 32,
        "GELDHULP_RASA_CHANNEL_TOKEN": "t" * 32,
        "GELDHULP_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "GELDHULP_TELEGRAM_TOKEN": "4242:TEST-token",
        "GELDHULP_TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
        "GELDHULP_TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
        "GELDHULP_TELEGRAM_MODE": "webhook",
    }
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        await asyncio.to_thread(wait_http, f"http://127.0.0.1:{port}/healthz", 60, proc)
        body = fixture("tg_private_text")
        body["message"]["text"] = f"{words}, bel me op {phone}"
        body["message"]["chat"]["id"] = body["message"]["from"]["id"] = chat_id
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"http://127.0.0.1:{port}/webhooks/telegram",
                data=json.dumps(body),
                headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
            ) as resp,
        ):
            assert resp.status == 200
        async with open_database(postgres_url) as (_e, factory):
            deadline = time.monotonic() + 60
            while True:
                async with factory() as s:
                    item = await s.scalar(select(InboxItem))
                if item is not None and item.failures >= 1:
                    break
                assert time.monotonic() < deadline, "the write never failed"
                await asyncio.sleep(0.2)
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert "inbox item" in output and "failed" in output  # the failure itself is logged
    assert "CheckViolation" in output or "IntegrityError" in output
    for secret in (phone, str(chat_id), words):
        assert secret not in output, re.findall(rf".{{0,80}}{secret}.{{0,20}}", output)[:3]


# --- the disclosure on every channel ------------------------------------------------------------


@pytest.mark.rasa
async def test_the_disclosure_comes_first_on_every_channel_whatever_comes_first(
    gateway, fakes
) -> None:  # type: ignore[no-untyped-def]
    from tests.gateway.test_webhooks import post_tg, post_wa

    telegram, graph = fakes
    client = await gateway()
    # WhatsApp: a photo first
    assert (await post_wa(client, fixture("wa_msg_image"))).status == 200
    # Telegram: a button press first (an old keyboard in the chat)
    press = fixture("tg_callback_query_with_message")
    press["callback_query"]["data"] = "/something_else"
    assert (await post_tg(client, press)).status == 200
    # web chat: a button payload first
    origin = f"http://{client.host}:{client.port}"
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": None})
    await ws.receive_json()
    await ws.send_json({"type": "message", "id": "b1", "payload": "/ask_human", "title": "Praten"})
    web_first = None
    async with asyncio.timeout(60):
        while web_first is None:
            data = await ws.receive_json()
            if data.get("type") == "message":
                web_first = data["text"]
    await ws.close()
    wa = (await graph.wait_for(1))[0]
    wa_text = (wa.get("text") or {}).get("body") or wa["interactive"]["body"]["text"]
    tg = (await telegram.wait_for(1))[0]["text"]
    for first in (wa_text, tg, web_first):
        assert first.startswith(DISCLOSURE), first[:80]
