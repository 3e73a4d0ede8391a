"""A local fake of Rasa's gateway channel: every message is answered with one text bubble.

For tests that count what the gateway itself does per turn (no model, no tracker): the real
Rasa's answer comes from the trained model in the model tier."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from harness.fakes.server import LoopbackServer

ANSWER = "Waar kan ik je mee helpen?"


@dataclass
class OneBubbleRasa(LoopbackServer):
    """Answers every message with ``ANSWER`` (intent greet); records the texts it got."""

    messages: list[str] = field(default_factory=list)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.messages.append(str(body.get("message") or ""))
        return web.json_response(
            {
                "messages": [{"text": ANSWER}],
                "intent": {"name": "greet", "confidence": 0.99},
                "slots": {},
            }
        )

    async def parse(self, request: web.Request) -> web.Response:
        return web.json_response({"intent": {"name": "greet", "confidence": 0.99}})

    async def start(self) -> OneBubbleRasa:
        app = web.Application()
        app.router.add_post("/webhooks/gateway/webhook", self.webhook)
        app.router.add_post("/webhooks/gateway/parse", self.parse)
        await self.serve(app)
        return self
