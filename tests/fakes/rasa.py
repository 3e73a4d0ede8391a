"""A local fake of Rasa's gateway channel (real HTTP on loopback): records the text of every
message and answers with ``answer``, one text bubble (intent greet) unless a test's fake says
more. The real Rasa's answers come from the trained model in the model tier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

from harness.fakes.server import LoopbackServer

ANSWER = "Waar kan ik je mee helpen?"


@dataclass
class GatewayRasa(LoopbackServer):
    """``/webhooks/gateway/webhook`` answers ``answer(text)``; ``/parse`` a plain intent."""

    messages: list[str] = field(default_factory=list)

    def answer(self, text: str) -> dict[str, Any]:
        """The channel's reply to ``text``: messages, intent and slots."""
        return {
            "messages": [{"text": ANSWER}],
            "intent": {"name": "greet", "confidence": 0.99},
            "slots": {},
        }

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        text = str(body.get("message") or "")
        self.messages.append(text)
        return web.json_response(self.answer(text))

    async def parse(self, request: web.Request) -> web.Response:
        return web.json_response({"intent": {"name": "other", "confidence": 0.9}})

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_post("/webhooks/gateway/webhook", self.webhook)
        app.router.add_post("/webhooks/gateway/parse", self.parse)
        await self.serve(app)
        return self
