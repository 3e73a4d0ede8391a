"""Leader locks on the real Redis: one runner per cluster, a take-over when it stops; and the
Redis-backed counters (flood control, pacing) shared by instances."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.storage.locks import Locks
from bot.storage.ratelimit import RedisCounters

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def redis() -> AsyncIterator[tuple[aioredis.Redis, str]]:
    client = aioredis.from_url(REDIS_URL)
    prefix = f"geldhulp-test-{uuid.uuid4().hex[:8]}:"
    yield client, prefix
    keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_only_one_instance_runs_a_leader_loop_and_another_takes_over(redis) -> None:  # type: ignore[no-untyped-def]
    client, prefix = redis
    running: list[str] = []
    log: list[str] = []

    def loop_of(name: str):  # type: ignore[no-untyped-def]
        async def loop(stop: asyncio.Event) -> None:
            running.append(name)
            log.append(name)
            try:
                await stop.wait()
            finally:
                running.remove(name)

        return loop

    stops = {name: asyncio.Event() for name in ("a", "b", "c")}
    tasks = {
        name: asyncio.create_task(
            Locks(client, prefix=prefix, owner=name).only_leader("purge", loop_of(name), ttl=1.0)(
                stops[name]
            )
        )
        for name in stops
    }
    async with asyncio.timeout(20):
        while not running:
            await asyncio.sleep(0.02)
    await asyncio.sleep(1.5)  # longer than the lock's time to live: it is renewed
    assert len(running) == 1 and len(log) == 1
    leader = running[0]
    stops[leader].set()
    await tasks[leader]
    async with asyncio.timeout(20):
        while not running:
            await asyncio.sleep(0.02)
    assert len(running) == 1 and running[0] != leader
    for stop in stops.values():
        stop.set()
    await asyncio.gather(*tasks.values())
    assert running == []


async def test_without_redis_every_lock_is_held() -> None:
    ran = asyncio.Event()

    async def loop(stop: asyncio.Event) -> None:
        ran.set()
        await stop.wait()

    stop = asyncio.Event()
    task = asyncio.create_task(Locks(None).only_leader("purge", loop)(stop))
    async with asyncio.timeout(10):
        await ran.wait()
    stop.set()
    await task


async def test_counters_are_shared_by_instances_and_pacing_holds_across_them(redis) -> None:  # type: ignore[no-untyped-def]
    client, prefix = redis
    one, two = RedisCounters(client, prefix), RedisCounters(client, prefix)
    counts = [
        await one.count("sender", 60),
        await two.count("sender", 60),
        await one.count("sender", 60),
    ]
    assert counts == [1, 2, 3]
    assert await one.reserve("chat", 5.0) == 0.0
    wait = await two.reserve("chat", 5.0)  # the other instance must wait for this chat
    assert 4.0 < wait <= 5.0
    assert await one.once("notice", 60) is True and await two.once("notice", 60) is False


async def test_counters_fall_back_to_memory_when_redis_is_down() -> None:
    from harness.rasa_stack import free_port

    dead = aioredis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    counters = RedisCounters(dead, "x:")
    assert [await counters.count("s", 60) for _ in range(3)] == [1, 2, 3]
    assert await counters.reserve("chat", 1.0) == 0.0
    await dead.aclose()
