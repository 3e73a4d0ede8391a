"""Fixtures: a migrated database with the reference directory imported (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.db import open_database


@pytest.fixture
async def directory_db(directory_url: str) -> AsyncIterator[tuple[str, object]]:
    """(url, session_factory) of a database with the directory imported (a copy of a template
    the real import filled: harness/databases.py)."""
    async with open_database(directory_url) as (_engine, factory):
        yield directory_url, factory
