"""Talk to the real Rasa server in tests over its REST channel (real HTTP on loopback)."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp


class Conversation:
    """One resident's conversation with the assistant."""

    def __init__(self, session: aiohttp.ClientSession, rasa_url: str) -> None:
        self.session, self.url = session, rasa_url
        self.sender = f"test-{uuid.uuid4().hex[:10]}"

    async def say(self, text: str) -> list[dict[str, Any]]:
        """Send a message; return the assistant's messages."""
        async with self.session.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as resp:
            assert resp.status == 200
            return await resp.json()


def texts(messages: list[dict[str, Any]]) -> str:
    """All text of the messages, joined."""
    return "\n".join(m.get("text", "") for m in messages)


def payloads(messages: list[dict[str, Any]]) -> list[str]:
    """All button payloads offered."""
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def custom(messages: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The custom payload with ``key``, if any."""
    for m in messages:
        if isinstance(m.get("custom"), dict) and key in m["custom"]:
            return m["custom"][key]
    return None
