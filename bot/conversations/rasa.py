"""The gateway's Rasa client: one HTTP round trip per resident message, replies plus the parse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.conversations.models import Reply
from bot.errors import RasaUnavailable


@dataclass
class RasaTurn:
    """What Rasa answered to one message."""

    replies: list[Reply] = field(default_factory=list)
    custom: list[dict[str, Any]] = field(default_factory=list)
    intent: str | None = None
    confidence: float | None = None
    slots: dict[str, Any] = field(default_factory=dict)


class RasaClient:
    """Posts to Rasa's `gateway` channel (rasa_addons/gateway_channel.py)."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, token: str, timeout: float
    ) -> None:
        self._session, self._url, self._token = session, url.rstrip("/"), token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> RasaTurn:
        """Send one message; raise RasaUnavailable when Rasa is down, slow or broken."""
        try:
            async with self._session.post(
                f"{self._url}/webhooks/gateway/webhook",
                json={"sender": conversation_id, "message": text, "metadata": metadata},
                headers={"X-Geldhulp-Token": self._token},
                timeout=self._timeout,
            ) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                data = await resp.json()
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise RasaUnavailable(exc.__class__.__name__) from exc
        return parse_turn(data)


def parse_turn(data: dict[str, Any]) -> RasaTurn:
    """Turn the channel's JSON into replies, custom payloads and the parse."""
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise RasaUnavailable("unexpected answer from Rasa")
    turn = RasaTurn()
    for message in data["messages"]:
        if isinstance(message.get("custom"), dict):
            turn.custom.append(message["custom"])
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
    return turn
