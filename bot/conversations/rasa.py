"""The gateway's Rasa client: one round trip per message, replicas chosen per conversation.

Each conversation goes to one fixed Rasa replica (rendezvous hashing over the configured URLs),
because Rasa's open-source lock store cannot keep one conversation's turns apart across
replicas. When that replica cannot be reached the next one in the conversation's order takes
over (the tracker is shared in SQL). Every message carries an idempotency key
(``message_id``): the gateway channel answers a repeated key from the tracker without running
the turn again, so a retry after a crash never makes Rasa see a message twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.conversations.models import Reply
from bot.errors import RasaUnavailable

# a replica that refused a connection is skipped for this long before it is tried again
DOWN_SECONDS = 5.0
FOLLOW_UP = "follow_up"  # the custom payload of a follow-up answered with its context


@dataclass
class RasaTurn:
    """What Rasa answered to one message."""

    replies: list[Reply] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)
    intent: str | None = None
    confidence: float | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    safety: dict[str, Any] | None = None
    repeated: bool = False  # answered from the tracker: Rasa had this message already
    # a follow-up question answered from the topic just answered (actions/follow_up.py): the
    # message was understood with the conversation, though its own intent fell back
    context_topic: str | None = None


@dataclass(frozen=True)
class RasaParse:
    """The NLU parse of a message that does not go to the assistant."""

    intent: str | None
    confidence: float | None
    safety: dict[str, Any] | None


def replica_order(conversation_id: str, urls: Sequence[str]) -> list[str]:
    """The replicas in this conversation's order of preference (rendezvous hashing).

    Adding or removing a replica moves only the conversations that hashed to it.
    """

    def score(url: str) -> bytes:
        return hashlib.blake2b(f"{url}|{conversation_id}".encode(), digest_size=8).digest()

    return sorted(urls, key=score, reverse=True)


def split_urls(value: str | Sequence[str]) -> list[str]:
    """Replica URLs from a comma-separated setting (or a list), without trailing slashes."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return [u.strip().rstrip("/") for u in items if u.strip()]


class RasaClient:
    """Posts to Rasa's `gateway` channel (rasa_addons/gateway_channel.py) on N replicas."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str | Sequence[str],
        token: str,
        timeout: float,
    ) -> None:
        self._session, self._token = session, token
        self.urls = split_urls(url)
        if not self.urls:
            raise ValueError("no Rasa URL configured")
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=min(3.0, timeout))
        self._down_until: dict[str, float] = {}

    def _candidates(self, key: str) -> list[str]:
        order = replica_order(key, self.urls)
        now = time.monotonic()
        up = [u for u in order if self._down_until.get(u, 0.0) <= now]
        return up or order  # all marked down: try them anyway, in order

    async def _post(self, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        last = "no replica"
        for url in self._candidates(key):
            try:
                async with self._session.post(
                    f"{url}{path}",
                    json=body,
                    headers={"X-Geldhulp-Token": self._token},
                    timeout=self._timeout,
                ) as resp:
                    if resp.status != 200:
                        raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                    data = await resp.json()
            except aiohttp.ClientConnectorError as exc:
                # the replica is not there (stopped, restarting): the next one takes over;
                # nothing was sent, so no turn can run twice
                self._down_until[url] = time.monotonic() + DOWN_SECONDS
                last = exc.__class__.__name__
                continue
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                # the replica may still be working on it: retry later, on the same replica
                raise RasaUnavailable(exc.__class__.__name__) from exc
            self._down_until.pop(url, None)
            if not isinstance(data, dict):
                raise RasaUnavailable("unexpected answer from Rasa")
            return data
        raise RasaUnavailable(last)

    async def send(
        self,
        conversation_id: str,
        text: str,
        metadata: dict[str, Any],
        *,
        message_id: str | None = None,
    ) -> RasaTurn:
        """Send one message; raise RasaUnavailable when Rasa is down, slow or broken."""
        body: dict[str, Any] = {"sender": conversation_id, "message": text, "metadata": metadata}
        if message_id:
            body["message_id"] = message_id
        data = await self._post(conversation_id, "/webhooks/gateway/webhook", body)
        return parse_turn(data)

    async def parse(self, text: str, *, key: str = "") -> RasaParse:
        """NLU only (no tracker): intent, confidence and the safety layer's finding."""
        data = await self._post(key or text, "/webhooks/gateway/parse", {"text": text})
        intent = data.get("intent") or {}
        safety = data.get("safety")
        return RasaParse(
            intent.get("name"),
            intent.get("confidence"),
            safety if isinstance(safety, dict) else None,
        )

    async def replicas_up(self) -> dict[str, bool]:
        """Which replicas answer their channel's health route (for /readyz)."""
        result: dict[str, bool] = {}
        for url in self.urls:
            try:
                async with self._session.get(
                    f"{url}/webhooks/gateway/", timeout=aiohttp.ClientTimeout(total=2)
                ) as resp:
                    result[url] = resp.status == 200
            except (TimeoutError, aiohttp.ClientError):
                result[url] = False
        return result


def parse_turn(data: dict[str, Any]) -> RasaTurn:
    """Turn the channel's JSON into replies, custom payloads and the parse."""
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise RasaUnavailable("unexpected answer from Rasa")
    turn = RasaTurn()
    for message in data["messages"]:
        if isinstance(message.get("custom"), dict):
            turn.custom.append(message["custom"])
            follow_up = message["custom"].get(FOLLOW_UP)
            if isinstance(follow_up, dict) and isinstance(follow_up.get("topic"), str):
                turn.context_topic = follow_up["topic"]
        text = message.get("text") or ""
        buttons = tuple(
            (str(b.get("title", "")), str(b.get("payload", "")))
            for b in message.get("buttons") or []
        )
        if text or buttons:
            turn.replies.append(Reply(text, buttons))
    intent = data.get("intent") or {}
    turn.intent = intent.get("name")
    turn.confidence = intent.get("confidence")
    turn.slots = data.get("slots") or {}
    safety = data.get("safety")
    turn.safety = safety if isinstance(safety, dict) else None
    turn.repeated = bool(data.get("repeated"))
    return turn
