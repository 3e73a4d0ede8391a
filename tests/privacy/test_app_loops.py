"""The app factory runs the retention and forget-me loop (as the cluster's leader) and the
redaction warm-up; a bad retention setting stops the start instead of failing every hour."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.health import HEALTH
from bot.settings import Secret, Settings, SettingsError


def test_a_bad_retention_setting_stops_the_start() -> None:
    with pytest.raises(SettingsError):
        create_app(Settings(retention_days_by_municipality="GM0363=nooit"))


async def test_the_running_app_holds_the_retention_lock(sqlite_url: str) -> None:
    settings = Settings(
        env="test",
        database_url=sqlite_url,
        rasa_url="http://127.0.0.1:9",
        pseudonym_key=Secret("test-pseudonym-key"),
        secret_key=Secret("test-secret-key"),
        retention_days_by_municipality="GM0363=30",
        telegram_mode="off",
    )
    client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
    await client.start_server()
    try:
        health = client.server.app[HEALTH]
        async with asyncio.timeout(30):
            while health.snapshot().get("leader:retention", {}).get("ok") is not True:
                await asyncio.sleep(0.05)
    finally:
        await client.close()
