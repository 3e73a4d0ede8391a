"""The app factory runs the retention and forget-me loop (as the cluster's leader) and the
redaction warm-up; a bad retention setting stops the start instead of failing every hour."""

from __future__ import annotations

import asyncio
from pathlib import Path

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


class _Conversations:
    """What the loop needs of the conversations part: the wake-up event and the sweep."""

    def __init__(self) -> None:
        self.forgotten = asyncio.Event()
        self.sweeps = 0

    async def sweep(self, factory: object, tracker: object) -> tuple[int, int]:
        self.sweeps += 1
        return 0, 0


async def _rounds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rounds: int, **kwargs: float
) -> tuple[int, list[str]]:
    """Run the retention loop for ``rounds`` sweeps (each after a wake-up); the purges it ran."""
    from bot.privacy import retention

    purges: list[str] = []

    async def purge(*args: object, **kw: object) -> retention.PurgeReport:
        purges.append("purge")
        return retention.PurgeReport()

    monkeypatch.setattr(retention, "run_retention", purge)
    conversations, stop = _Conversations(), asyncio.Event()
    task = asyncio.create_task(
        retention.retention_loop(
            None,  # type: ignore[arg-type]
            conversations,  # type: ignore[arg-type]
            retention.RetentionPolicy.from_settings(Settings()),
            f"sqlite:///{tmp_path / 'tracker.db'}",
            stop,
            **kwargs,
        )
    )
    try:
        async with asyncio.timeout(30):
            for done in range(1, rounds + 1):
                while conversations.sweeps < done:
                    await asyncio.sleep(0.01)
                conversations.forgotten.set()  # a forget-me: the next round at once
    finally:
        stop.set()
        await task
    return conversations.sweeps, purges


async def test_the_loop_sweeps_at_start_and_purges_a_minute_later(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A starting instance sweeps forgotten conversations at once, but the retention purge (a
    scan of every table) waits a minute: the residents who waited during a restart come first,
    and an instance that lives only briefly does not scan for nothing."""
    sweeps, purges = await _rounds(monkeypatch, tmp_path, 3)
    assert sweeps >= 3 and purges == []
    sweeps, purges = await _rounds(monkeypatch, tmp_path, 3, first_purge_after=0.0)
    assert sweeps >= 3 and purges == ["purge"]  # then not again within the hour
