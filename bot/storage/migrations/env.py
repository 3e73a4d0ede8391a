"""Alembic environment: async engines for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from bot.storage.base import NAMING
from bot.storage.db import create_engine

# Every part's tables, for autogenerating a revision (`alembic check`, `revision
# --autogenerate`): Storage knows no part's tables, so whoever autogenerates passes the App's
# list, `alembic_config(url, metadata=bot.schema.metadata())` (bot/storage/migrate.py). Upgrade
# and downgrade run the revisions and need only the naming convention, which Alembic's
# `op.create_table` and batch operations take from here to name keys and constraints.
target_metadata = context.config.attributes.get("target_metadata") or MetaData(
    naming_convention=NAMING
)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Run migrations against the configured URL."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_async(url))
    else:  # called from inside a running loop: do it in a fresh thread
        import threading

        errors: list[BaseException] = []

        def target() -> None:
            try:
                asyncio.run(_run_async(url))
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                errors.append(exc)

        t = threading.Thread(target=target)
        t.start()
        t.join()
        if errors:
            raise errors[0]


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
