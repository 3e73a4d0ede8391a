"""PostgreSQL and Redis stopped and started while messages arrive (private instances of both).

While nothing can be stored, webhooks answer 503 (so the channel delivers again) and /readyz
says the instance cannot work; the workers recover by themselves when the database is back;
Redis down slows nothing (in-memory fallbacks); everything accepted is answered exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import aiohttp
import asyncpg
import pytest
from sqlalchemy import func, select

from bot.conversations.tables import InboxItem, OutboxItem
from bot.storage import migrate
from bot.storage.db import open_database
from harness.gateways import GatewayProcess, gateway_env
from tests.cluster.conftest import TG_SECRET
from tests.cluster.test_cluster import tg_update, transcripts
from tests.support.private_services import PrivatePostgres, PrivateRedis

# one worker runs every cluster test: they share the session's two Rasa replicas
pytestmark = pytest.mark.xdist_group("cluster")


async def readyz(http: aiohttp.ClientSession, gateway: GatewayProcess) -> int:
    try:
        async with http.get(f"{gateway.url}/readyz") as resp:
            return resp.status
    except aiohttp.ClientError:
        return 0


async def wait_ready(http, gateway, status: int, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while await readyz(http, gateway) != status:
            await asyncio.sleep(0.3)


async def deliver(http, gateway, body: dict, statuses: Counter[int]) -> None:  # type: ignore[no-untyped-def]
    """Like Telegram: post until the gateway acknowledges with 200."""
    async with asyncio.timeout(180):
        while True:
            try:
                async with http.post(
                    f"{gateway.url}/webhooks/telegram",
                    data=json.dumps(body),
                    headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
                ) as resp:
                    statuses[resp.status] += 1
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                statuses[0] += 1
            await asyncio.sleep(0.3)


async def test_postgres_and_redis_stopped_and_started_while_messages_arrive(
    tmp_path, cluster_rasa, telegram
) -> None:  # type: ignore[no-untyped-def]
    pg = await asyncio.to_thread(PrivatePostgres.create)
    redis = await asyncio.to_thread(PrivateRedis.create)
    gateway: GatewayProcess | None = None
    try:
        conn = await asyncpg.connect(pg.admin_dsn)
        await conn.execute('CREATE DATABASE "geldhulp"')
        await conn.close()
        url = pg.url("geldhulp")
        await asyncio.to_thread(migrate.upgrade, url)
        env = gateway_env(
            database_url=url,
            redis_url=redis.url,
            redis_prefix="outage:",
            rasa_urls=cluster_rasa.rasa_urls,
            telegram_base_url=telegram.base_url,
            telegram_token=telegram.token,
            telegram_secret=TG_SECRET,
        )
        gateway = await asyncio.to_thread(GatewayProcess(env, tmp_path / "gateway.log").start)
        statuses: Counter[int] = Counter()
        chats = [9_100_001, 9_100_002, 9_100_003]
        texts = iter(["hoi", "ik heb schulden", "de huur is te hoog", "dank je", "ok"] * 10)
        update_id = 0

        async def one_round(http: aiohttp.ClientSession) -> None:
            nonlocal update_id
            text = next(texts)
            for chat in chats:
                update_id += 1
                await deliver(http, gateway, tg_update(update_id, chat, text), statuses)

        async with aiohttp.ClientSession() as http:
            await wait_ready(http, gateway, 200)
            await one_round(http)

            # the database goes away while residents write
            await asyncio.to_thread(pg.stop)
            sending = asyncio.create_task(one_round(http))
            await wait_ready(http, gateway, 503)  # a load balancer takes the instance out
            async with asyncio.timeout(60):
                while statuses[503] < 3:  # nothing can be stored: the channel must retry
                    await asyncio.sleep(0.2)
            await asyncio.to_thread(pg.start)
            await sending  # accepted once the database is back
            await wait_ready(http, gateway, 200)
            await one_round(http)

            # Redis goes away: nothing is refused, nothing waits
            await asyncio.to_thread(redis.stop)
            await one_round(http)
            await asyncio.to_thread(redis.start)
            await one_round(http)

        expected = 5 * len(chats)
        async with open_database(url) as (_e, factory):
            async with asyncio.timeout(300):
                while True:
                    async with factory() as s:
                        done = await s.scalar(
                            select(func.count())
                            .select_from(InboxItem)
                            .where(InboxItem.status == "done")
                        )
                        pending = await s.scalar(
                            select(func.count())
                            .select_from(OutboxItem)
                            .where(OutboxItem.status == "pending")
                        )
                    if done == expected and pending == 0:
                        break
                    await asyncio.sleep(0.5)
            by_address = await transcripts(factory)
        for chat in chats:
            messages = by_address[("telegram", str(chat))]
            assert sum(m.direction == "in" for m in messages) == 5
            sent = [p["text"] for p in telegram.sent(chat)]
            assert sent == [m.text for m in messages if m.direction == "out"]  # once, in order
        assert statuses[503] >= 3 and statuses[200] == expected
    finally:
        if gateway is not None:
            gateway.stop()
        await asyncio.to_thread(redis.stop)
        await asyncio.to_thread(pg.remove)
