"""The gateway's input channel inside Rasa: one round trip returns replies AND the parse.

POST /webhooks/gateway/webhook {"sender", "message", "metadata"} answers
{"messages": [...], "intent": {...}, "entities": [...], "slots": {"municipality_code": ...}}.
Rasa's channels have no authentication, so this one checks a shared token header, and Rasa
listens on loopback only.
"""

from __future__ import annotations

import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
REPORTED_SLOTS = ("municipality_code",)


class GatewayInput(InputChannel):
    """Receives resident messages from the Geldhulp gateway."""

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        return cls((credentials or {}).get("token") or "")

    def __init__(self, token: str = "") -> None:
        self.token = token

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("gateway_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get("X-Geldhulp-Token", "")
            if self.token and not hmac.compare_digest(given, self.token):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender,
                    input_channel=self.name(),
                    metadata=body.get("metadata") or {},
                )
            )
            parse: dict[str, Any] = {}
            slots: dict[str, Any] = {}
            agent = getattr(request.app.ctx, "agent", None)
            store = getattr(agent, "tracker_store", None)
            if store is not None:
                tracker = store.retrieve(sender)
                if inspect.isawaitable(tracker):
                    tracker = await tracker
                if tracker is not None:
                    parse = tracker.latest_message.parse_data if tracker.latest_message else {}
                    slots = {
                        name: tracker.get_slot(name)
                        for name in REPORTED_SLOTS
                        if name in tracker.slots
                    }
            return response.json(
                {
                    "messages": collector.messages,
                    "intent": parse.get("intent") or {},
                    "entities": parse.get("entities") or [],
                    "slots": slots,
                }
            )

        return bp
