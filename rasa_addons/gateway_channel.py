"""The gateway's input channel inside Rasa: one round trip returns replies AND the parse.

POST /webhooks/gateway/webhook {"sender", "message", "message_id", "metadata"} answers
{"messages": [...], "intent": {...}, "entities": [...], "slots": {...}, "safety": {...},
"repeated": bool}. ``message_id`` is the gateway's idempotency key: when the tracker already
holds a user message with that id, the stored answer is returned and the turn is not run again
(Rasa never sees a message twice; the tracker itself is the record). The turn reads the
tracker once and parses once (the parse comes from the tracker in memory).

POST /webhooks/gateway/parse {"text"} answers the NLU parse only (no tracker), for messages
that go to a person instead of the assistant.

Rasa's channels have no authentication, so these routes check a shared token header, and Rasa
listens on loopback only. The SQL tracker store is used without Rasa's fail-safe wrapper: when
the database is down a turn fails (503, the gateway retries) instead of running on an empty
in-memory tracker that forgets the conversation.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)
# requested_slot: the assistant asked for something (the place) while a person is on the way
REPORTED_SLOTS = ("municipality_code", "language", "requested_slot")
MAX_MESSAGE_ID = 120


def _fail_closed(agent: Any) -> None:
    """Use the SQL tracker store directly, so that its errors reach the gateway."""
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        inner = store._tracker_store  # noqa: SLF001 - Rasa 3.6 has no public accessor
        agent.tracker_store = inner
        if agent.processor is not None:
            agent.processor.tracker_store = inner


def _stored_answer(tracker: Any, message_id: str) -> tuple[Any, list[Any]] | None:
    """The user event with ``message_id`` and the bot messages that answered it, if any."""
    events = list(tracker.events)
    for index, event in enumerate(events):
        if isinstance(event, UserUttered) and event.message_id == message_id:
            answers = []
            for later in events[index + 1 :]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    answers.append(later)
            return event, answers
    return None


def _slots(tracker: Any) -> dict[str, Any]:
    return {name: tracker.get_slot(name) for name in REPORTED_SLOTS if name in tracker.slots}


async def handle_turn(agent: Any, message: UserMessage) -> dict[str, Any]:
    """Run one turn (or replay it from the tracker) under the conversation's lock.

    The same steps as Rasa 3.6's ``MessageProcessor.handle_message``, with the tracker read
    once and the idempotency check in between.
    """
    processor = agent.processor
    collector = message.output_channel
    async with agent.lock_store.lock(message.sender_id):
        tracker = await processor.get_tracker(message.sender_id)
        if message.message_id:
            stored = _stored_answer(tracker, message.message_id)
            if stored is not None:
                user, answers = stored
                for bot in answers:
                    await collector.send_response(message.sender_id, bot.message())
                return _answer(collector, user.parse_data or {}, _slots(tracker), repeated=True)
        await processor._update_tracker_session(tracker, collector, message.metadata)  # noqa: SLF001
        await processor._handle_message_with_tracker(message, tracker)  # noqa: SLF001
        tracker = await processor.run_action_extract_slots(collector, tracker)
        await processor._run_prediction_loop(collector, tracker)  # noqa: SLF001
        await processor.run_anonymization_pipeline(tracker)
        await processor.save_tracker(tracker)
    parse = tracker.latest_message.parse_data if tracker.latest_message else {}
    return _answer(collector, parse, _slots(tracker), repeated=False)


def _answer(
    collector: Any, parse: dict[str, Any], slots: dict[str, Any], *, repeated: bool
) -> dict[str, Any]:
    return {
        "messages": collector.messages,
        "intent": parse.get("intent") or {},
        "entities": parse.get("entities") or [],
        "safety": parse.get("safety"),
        "slots": slots,
        "repeated": repeated,
    }


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

    def _allowed(self, request: Request) -> bool:
        given = request.headers.get("X-Geldhulp-Token", "")
        return not self.token or hmac.compare_digest(given, self.token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("gateway_webhook", __name__)

        def ready_agent(request: Request) -> Any:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return None
            _fail_closed(agent)
            return agent

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            if ready_agent(request) is None:
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._allowed(request):
                return response.json({"error": "forbidden"}, status=403)
            body = request.json or {}
            sender, text = body.get("sender"), body.get("message")
            message_id = body.get("message_id")
            if not isinstance(sender, str) or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            if message_id is not None and (
                not isinstance(message_id, str) or len(message_id) > MAX_MESSAGE_ID
            ):
                return response.json({"error": "message_id must be a short string"}, status=400)
            agent = ready_agent(request)
            if agent is None:
                return response.json({"error": "model not loaded"}, status=503)
            message = UserMessage(
                text,
                CollectingOutputChannel(),
                sender,
                input_channel=self.name(),
                message_id=message_id,
                metadata=body.get("metadata") or {},
            )
            try:
                answer = await handle_turn(agent, message)
            except Exception as exc:  # noqa: BLE001 - the gateway retries; never a half answer
                logger.error("gateway turn failed: %s", exc.__class__.__name__)
                return response.json({"error": "turn failed"}, status=503)
            return response.json(answer)

        @bp.route("/parse", methods=["POST"])
        async def parse(request: Request) -> HTTPResponse:
            if not self._allowed(request):
                return response.json({"error": "forbidden"}, status=403)
            text = (request.json or {}).get("text")
            if not isinstance(text, str):
                return response.json({"error": "text is required"}, status=400)
            agent = ready_agent(request)
            if agent is None:
                return response.json({"error": "model not loaded"}, status=503)
            data = await agent.parse_message(text)
            return response.json(
                {
                    "intent": data.get("intent") or {},
                    "entities": data.get("entities") or [],
                    "safety": data.get("safety"),
                }
            )

        return bp
