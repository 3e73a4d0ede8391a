"""Gateway fixtures: fake Telegram and Graph servers, a Rasa proxy, and the app on a real DB."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Secret, Settings
from harness.fakes.telegram import FakeTelegram
from harness.rasa_stack import RASA_CHANNEL_TOKEN
from tests.fakes.graph import FakeGraph
from tests.fakes.rasa_proxy import RasaProxy

# shared/ sits beside the clone (CI and the team's machines); /work/shared on ours
FIXTURES = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[3] / "shared" / "fixtures",
            Path("/work/shared/fixtures"),
        )
        if p.exists()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "fixtures",
)
TG_SECRET = "tg-secret_123"
WA_SECRET = "wa-app-secret"
WA_VERIFY = "wa-verify-token"


def fixture(name: str) -> dict[str, Any]:
    """A shared webhook payload by file name (without .json)."""
    kind = "telegram" if name.startswith("tg_") else "whatsapp"
    return json.loads((FIXTURES / kind / f"{name}.json").read_text(encoding="utf-8"))


def sign(raw: bytes, secret: str = WA_SECRET) -> str:
    """X-Hub-Signature-256 as Meta computes it."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeGraph]]:
    telegram, graph = await FakeTelegram().start(), await FakeGraph().start()
    yield telegram, graph
    await telegram.close()
    await graph.close()


@pytest.fixture
async def rasa_proxy(rasa_stack) -> AsyncIterator[RasaProxy]:  # type: ignore[no-untyped-def]
    proxy = await RasaProxy(rasa_stack.rasa_url).start()
    yield proxy
    await proxy.close()


def make_settings(db_url: str, telegram: FakeTelegram, graph: FakeGraph, rasa_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=db_url,
        rasa_url=rasa_url,
        rasa_timeout=3.0,
        rasa_channel_token=Secret(RASA_CHANNEL_TOKEN),
        pseudonym_key=Secret("test-pseudonym-key"),
        secret_key=Secret("test-secret-key"),
        public_url="http://127.0.0.1:8080",
        telegram_token=Secret(telegram.token),
        telegram_base_url=telegram.base_url,
        telegram_webhook_secret=Secret(TG_SECRET),
        telegram_mode="webhook",
        whatsapp_token=Secret(graph.token),
        whatsapp_app_secret=Secret(WA_SECRET),
        whatsapp_verify_token=Secret(WA_VERIFY),
        whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_graph_url=graph.base_url,
        max_body_bytes=256 * 1024,
    )


AppFactory = Callable[..., Any]


@pytest.fixture
async def gateway(db_url, fakes, rasa_proxy) -> AsyncIterator[AppFactory]:  # type: ignore[no-untyped-def]
    """Start gateway apps on the same database; stopped at the end of the test."""
    telegram, graph = fakes
    clients: list[TestClient] = []

    async def start(
        *, workers: bool = True, rasa_url: str | None = None, **overrides: Any
    ) -> TestClient:
        settings = make_settings(db_url, telegram, graph, rasa_url or rasa_proxy.url)
        if overrides:
            import dataclasses

            settings = dataclasses.replace(settings, **overrides)
        app = create_app(settings, pacing={}, retry_base=0.05, workers=workers)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
