"""Fresh, migrated databases for tests: a temp SQLite file, or a new PostgreSQL database.

PostgreSQL runs at 127.0.0.1:5432 with trust auth (see DEVELOPERS.md). Each call makes a database
with a unique name, so parallel test runs never collide, and drops it afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from bot.storage import migrate

PG_ADMIN_DSN = os.environ.get("GELDHULP_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_base() -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0]


async def _pg_exec(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> bool:
    """True when the test PostgreSQL server answers."""
    import asyncio

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@contextmanager
def fresh_database(backend: str, tmp_path: Path, *, migrated: bool = True) -> Iterator[str]:
    """Yield the SQLAlchemy async URL of a new, empty (and by default migrated) database."""
    import asyncio

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'geldhulp-{uuid.uuid4().hex[:8]}.db'}"
        if migrated:
            migrate.upgrade(url)
        yield url
        return
    if backend != "postgres":
        raise ValueError(backend)
    name = f"geldhulp_t_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    url = f"{_pg_base().replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
