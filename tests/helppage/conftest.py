"""Fixtures: the real gateway app (no workers, no Rasa) on loopback with the directory imported."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Secret, Settings


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


@pytest.fixture
async def site(directory_url: str) -> AsyncIterator[TestClient]:
    """The gateway with the help page, on a database with the reference directory."""
    client = TestClient(
        TestServer(
            create_app(settings_for(directory_url), pacing={}, workers=False), host="127.0.0.1"
        )
    )
    await client.start_server()
    yield client
    await client.close()
