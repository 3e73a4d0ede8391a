"""The web chat in Chromium against a scripted Rasa (fast, no model): the gateway is real."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.texts import TextCatalog
from harness.fakes.server import LoopbackServer
from tests.gateway.conftest import fakes, make_settings  # noqa: F401 - fixture reused

CATALOG = TextCatalog.load()
CRISIS = "ik zie het niet meer zitten"
MORE = "Het is ook moeilijk om hulp te vragen. Veel mensen hadden hetzelfde. Er is hulp."
ASK = "Wil je met een mens van het team praten?"


@dataclasses.dataclass
class ScriptedRasa(LoopbackServer):
    """Rasa's gateway channel: a crisis answer of three bubbles, the last with buttons."""

    messages: list[str] = dataclasses.field(default_factory=list)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("message") or "")
        self.messages.append(text)
        buttons = [
            {"title": "Ja, graag", "payload": "/affirm"},
            {"title": "Nee, nu niet", "payload": "/deny"},
        ]
        if text == CRISIS:
            messages: list[dict[str, Any]] = [
                {"text": CATALOG.render("utter_crisis").text},
                {"text": MORE},
                {"text": ASK, "buttons": buttons},
            ]
        else:
            messages = [{"text": "Waar kan ik je mee helpen?", "buttons": buttons}]
        return web.json_response(
            {"messages": messages, "intent": {"name": "other", "confidence": 0.9}, "slots": {}}
        )

    async def parse(self, request: web.Request) -> web.Response:
        return web.json_response({"intent": {"name": "other", "confidence": 0.9}})

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def start(self) -> ScriptedRasa:
        app = web.Application()
        app.router.add_post("/webhooks/gateway/webhook", self.webhook)
        app.router.add_post("/webhooks/gateway/parse", self.parse)
        app.router.add_get("/webhooks/gateway/", self.health)
        await self.serve(app)
        return self


@pytest.fixture
async def chat_gateway(db_url, fakes) -> AsyncIterator[TestClient]:  # noqa: F811
    """The gateway (real database, outbox and hub) with the scripted Rasa."""
    telegram, graph = fakes
    rasa = await ScriptedRasa().start()
    app = create_app(
        make_settings(db_url, telegram, graph, rasa.root), pacing={}, retry_base=0.05, workers=True
    )
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()
    await rasa.close()
