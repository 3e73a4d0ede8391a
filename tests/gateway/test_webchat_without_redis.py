"""Web chat without Redis: a reply for a socket on the same instance goes to it directly; only
cross-instance pushes use Redis, and after a Redis outage a socket catches up from the database.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.conversations.models import Reply
from bot.texts import TextCatalog
from bot.webchat.hub import WebChatHub
from harness.rasa_stack import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
DEBT = TextCatalog.load().render("utter_debt_help").text.split("\n\n")[0].strip()


class FakeSocket:
    """Collects what a page would receive."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def send_str(self, text: str) -> None:
        self.received.append(json.loads(text))


async def until(check, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


@pytest.mark.rasa
async def test_one_instance_with_redis_down_still_answers_on_the_web_chat(gateway) -> None:  # type: ignore[no-untyped-def]
    client = await gateway(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nobody listens
    origin = f"http://{client.host}:{client.port}"
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": None})
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(60):
        while not any(DEBT in d.get("text", "") for d in seen):
            seen.append(json.loads((await ws.receive()).data))
            if len(seen) == 1:
                assert seen[0]["type"] == "welcome"
                await ws.send_json({"type": "message", "id": "m1", "text": "ik heb schulden"})
    await ws.close()
    assert sum(DEBT in d.get("text", "") for d in seen) == 1


@pytest.fixture
async def redis() -> AsyncIterator[tuple[aioredis.Redis, str]]:
    client = aioredis.from_url(REDIS_URL)
    yield client, f"geldhulp-test-{uuid.uuid4().hex[:8]}:"
    await client.aclose()


async def test_a_local_socket_gets_a_reply_once_and_another_instance_through_redis(redis) -> None:  # type: ignore[no-untyped-def]
    client, prefix = redis
    here, there = WebChatHub(client, prefix), WebChatHub(client, prefix)
    stop = asyncio.Event()
    listeners = [asyncio.create_task(hub.listen(stop)) for hub in (here, there)]
    local, remote = FakeSocket(), FakeSocket()
    here.add("token-of-a-resident-000001", local)  # type: ignore[arg-type]
    there.add("token-of-a-resident-000001", remote)  # another tab, on the other instance
    try:
        async with asyncio.timeout(10):  # both instances listen
            while (await client.pubsub_numsub(f"{prefix}webchat"))[0][1] < 2:
                await asyncio.sleep(0.02)
        await here.send("token-of-a-resident-000001", Reply("Hallo"), None)
        await until(lambda: remote.received)
        await asyncio.sleep(0.3)  # a negative: the origin's own listener must not push it again
    finally:
        stop.set()
        await asyncio.gather(*listeners)
    assert [m["text"] for m in local.received] == ["Hallo"]
    assert [m["text"] for m in remote.received] == ["Hallo"]


async def test_a_local_socket_gets_its_reply_while_redis_refuses() -> None:
    class DeadRedis:
        async def publish(self, *args: object) -> int:
            raise ConnectionError("redis down")

    hub = WebChatHub(DeadRedis())
    socket = FakeSocket()
    hub.add("token-of-a-resident-000002", socket)  # type: ignore[arg-type]
    assert await hub.send("token-of-a-resident-000002", Reply("Je bericht is binnen"), None) == ""
    assert [m["text"] for m in socket.received] == ["Je bericht is binnen"]


async def test_after_a_redis_outage_every_socket_catches_up_from_the_database() -> None:
    class FlakyPubSub:
        calls = 0

        async def subscribe(self, topic: str) -> None:
            FlakyPubSub.calls += 1
            if FlakyPubSub.calls == 1:
                raise ConnectionError("redis down")

        async def get_message(self, **kwargs: object) -> None:
            await asyncio.sleep(0.01)

        async def aclose(self) -> None: ...

    class FlakyRedis:
        def pubsub(self) -> FlakyPubSub:
            return FlakyPubSub()

    hub = WebChatHub(FlakyRedis())
    socket = FakeSocket()

    async def from_database() -> dict[str, Any]:
        return {"type": "welcome", "token": "t", "history": [{"text": "gemist"}]}

    hub.add("token-of-a-resident-000003", socket, from_database)  # type: ignore[arg-type]
    stop = asyncio.Event()
    listener = asyncio.create_task(hub.listen(stop))
    try:
        await until(lambda: socket.received)
    finally:
        stop.set()
        await listener
    assert socket.received == [await from_database()]
