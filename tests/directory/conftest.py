"""Fixtures: a migrated database with the reference directory imported (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.directory import repository
from bot.storage.db import open_database


@pytest.fixture
async def directory_db(db_url: str) -> AsyncIterator[tuple[str, object]]:
    """(url, session_factory) of a database with the directory imported."""
    async with open_database(db_url) as (_engine, factory):
        async with factory() as session:
            await repository.import_reference(session)
            await session.commit()
        yield db_url, factory
