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

import contextvars
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
        _tune_sqlite(inner)


def _tune_sqlite(store: Any) -> None:
    """A SQLite tracker store (one instance) in WAL mode with synchronous=NORMAL, as the
    gateway's own SQLite: a turn's save no longer waits for the disk (a commit survives a
    crash of Rasa; a power cut may lose the last turns, which the gateway then runs again
    with their idempotency key)."""
    engine = getattr(store, "engine", None)
    if engine is None or engine.dialect.name != "sqlite" or getattr(engine, "_geldhulp", False):
        return
    from sqlalchemy import event

    def pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    engine.dispose()  # pooled connections are opened again, with the pragmas
    engine._geldhulp = True  # noqa: SLF001


def _validate_action_results_once_compiled() -> None:
    """Rasa 3.6 checks every action server answer with ``jsonschema.validate``, which first
    validates the (constant) schema itself against its meta-schema: about a seventh of a turn's
    CPU in `make bench`'s profile. The same check with the validator built once; an invalid
    answer still goes through Rasa's own method (its error message)."""
    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction, "_geldhulp_compiled_validation", False):
        return
    spec = RemoteAction.action_response_format_spec()
    validator = validators.validator_for(spec)(spec)
    original = RemoteAction._validate_action_result  # noqa: SLF001

    def validate(self: Any, result: dict[str, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return bool(original(self, result))  # raises Rasa's ValidationError

    RemoteAction._validate_action_result = validate  # noqa: SLF001
    RemoteAction._geldhulp_compiled_validation = True  # noqa: SLF001


_SEND_DOMAIN: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "geldhulp_send_domain", default=False
)
MISSING_DOMAIN = 449  # rasa_sdk: "send the domain with the next call" (ActionMissingDomain)


def _domain_digest(domain: Any) -> str:
    """The domain's fingerprint, computed once per loaded domain."""
    digest = getattr(domain, "_geldhulp_digest", None)
    if digest is None:
        digest = str(domain.fingerprint())
        domain._geldhulp_digest = digest  # noqa: SLF001
    return digest


def _send_domain_by_digest() -> None:
    """Rasa 3.6 sends the whole domain (about 1.8 MB of JSON: every response in six languages)
    with every call of a custom action, two or more per turn; the action server parses it
    each time. rasa_sdk (3.10 and later) keeps the last domain it was sent with its digest and
    answers 449 when a call names a digest it does not have. So: every call carries the
    digest and no domain; a 449 (the action server started, or another model) is answered by
    the same call with the domain, once. The action has not run when it answers 449."""
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import ClientResponseError

    if getattr(RemoteAction, "_geldhulp_domain_by_digest", False):
        return
    call_format = RemoteAction._action_call_format  # noqa: SLF001
    run = RemoteAction.run

    def action_call_format(self: Any, tracker: Any, domain: Any) -> dict[str, Any]:
        body: dict[str, Any] = call_format(self, tracker, domain)
        body["domain_digest"] = _domain_digest(domain)
        if not _SEND_DOMAIN.get():
            body.pop("domain", None)
        return body

    async def run_with_digest(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await run(self, *args, **kwargs)
        except Exception as exc:
            cause = exc.__cause__
            if not isinstance(cause, ClientResponseError) or cause.status != MISSING_DOMAIN:
                raise
        token = _SEND_DOMAIN.set(True)
        try:
            return await run(self, *args, **kwargs)
        finally:
            _SEND_DOMAIN.reset(token)

    RemoteAction._action_call_format = action_call_format  # noqa: SLF001
    RemoteAction.run = run_with_digest
    RemoteAction._geldhulp_domain_by_digest = True  # noqa: SLF001


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


class GatewayInput(InputChannel):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
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
        _validate_action_results_once_compiled()
        _send_domain_by_digest()
        bp = Blueprint("gateway_webhook", __name__)

        def ready_agent(request: Request) -> Any:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return None
            _fail_closed(agent)
            return agent

        async def health(request: Request) -> HTTPResponse:
            if ready_agent(request) is None:
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ok"})

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

        bp.add_route(health, "/", methods=["GET"])
        bp.add_route(receive, "/webhook", methods=["POST"])
        bp.add_route(parse, "/parse", methods=["POST"])
        return bp
