"""Fixtures: the real gateway app (no workers, no Rasa) on loopback with the directory imported."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.directory.repository import import_reference
from bot.settings import Secret, Settings
from bot.storage.db import open_database


def settings_for(db_url: str, public_url: str = "https://geldhulp.example.nl") -> Settings:
    return Settings(
        env="test",
        database_url=db_url,
        rasa_url="http://127.0.0.1:9",
        pseudonym_key=Secret("k"),
        secret_key=Secret("s"),
        telegram_mode="off",
        public_url=public_url,
    )


async def import_directory(db_url: str) -> None:
    async with open_database(db_url) as (_e, factory), factory() as session:
        await import_reference(session)
        await session.commit()


@pytest.fixture
async def site(db_url: str) -> AsyncIterator[TestClient]:
    """The gateway with the help page, on a database with the reference directory."""
    await import_directory(db_url)
    client = TestClient(
        TestServer(create_app(settings_for(db_url), pacing={}, workers=False), host="127.0.0.1")
    )
    await client.start_server()
    yield client
    await client.close()
