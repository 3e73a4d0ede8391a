"""The cluster: two Rasa replicas on a PostgreSQL tracker store, PostgreSQL for our tables,
Redis with this run's own key prefix, fake channels, and gateway processes started per test.

These tests are heavy (two Rasa replicas load their model once per run) and marked ``cluster``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from harness.databases import fresh_database
from harness.fakes.telegram import FakeTelegram
from harness.gateways import GatewayProcess, gateway_env
from harness.rasa_stack import RasaStack, start_stack

REDIS_URL = "redis://127.0.0.1:6379/0"
TG_SECRET = "cluster-tg-secret"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark this folder's tests (the hook sees every collected item, not only ours), and run the
    tests that stop a replica last: then nothing needs it started again (a Rasa start is the
    costliest thing a cluster test does); run in another order, ``replicas_up`` restarts it."""
    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue
        item.add_marker(pytest.mark.cluster)
        item.add_marker(pytest.mark.postgres)
        item.add_marker(pytest.mark.rasa)
    items.sort(key=lambda item: item.get_closest_marker("stops_a_replica") is not None)


@pytest.fixture(scope="session")
def cluster_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """Two Rasa replicas sharing a PostgreSQL tracker store (and one action server)."""
    workdir = tmp_path_factory.mktemp("cluster-rasa")
    with fresh_database("postgres", workdir, migrated=False) as tracker:
        sync = tracker.replace("postgresql+asyncpg://", "postgresql://")
        stack = start_stack(workdir, replicas=2, tracker_url=sync)
        try:
            yield stack
        finally:
            stack.stop()


@pytest.fixture(autouse=True)
def replicas_up(cluster_rasa: RasaStack) -> None:
    """Every replica runs when a cluster test starts (a test that stopped one does not restart it)."""
    cluster_rasa.ensure_running()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test in the shared Redis; its keys are deleted afterwards."""
    import redis.asyncio as aioredis

    prefix = f"geldhulp-test-{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = aioredis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.close()


@pytest.fixture
def start_gateways(postgres_url, cluster_rasa, redis_prefix, telegram, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start gateway processes on the shared database, Redis and replicas; stopped afterwards."""
    started: list[GatewayProcess] = []

    async def start(count: int, **extra: str) -> list[GatewayProcess]:
        env = gateway_env(
            database_url=postgres_url,
            redis_url=REDIS_URL,
            redis_prefix=redis_prefix,
            rasa_urls=cluster_rasa.rasa_urls,
            telegram_base_url=telegram.base_url,
            telegram_token=telegram.token,
            telegram_secret=TG_SECRET,
            **extra,
        )
        new = [
            GatewayProcess(env, tmp_path / f"gateway-{len(started) + i}.log") for i in range(count)
        ]
        await asyncio.gather(*(asyncio.to_thread(g.start) for g in new))
        started.extend(new)
        return new

    yield start
    for gateway in started:
        gateway.stop()
