"""The migrations themselves, on both backends: from an empty database they build exactly the
schema the models declare (the test databases are copies of that result), they go back to an
empty database, and up again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot import schema
from bot.storage import migrate
from bot.storage.db import create_engine
from harness.databases import fresh_database


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "render_as_batch": True}
    )
    return list(compare_metadata(context, schema.metadata()))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _inspect(url: str) -> tuple[list[object], set[str]]:
    """The differences between the database and the models, and the tables it has."""

    async def read() -> tuple[list[object], set[str]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(_differences), await conn.run_sync(_tables)
        finally:
            await engine.dispose()

    return asyncio.run(read())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_build_the_models_schema_and_go_back(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, migrated=False) as url:
        assert _inspect(url)[1] == set()
        migrate.upgrade(url)
        differences, tables = _inspect(url)
        assert differences == []
        assert tables == set(schema.metadata().tables)
        migrate.downgrade(url)
        assert _inspect(url)[1] == set()
        migrate.upgrade(url)
        assert _inspect(url)[0] == []
