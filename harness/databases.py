"""Fresh, migrated databases for tests: a temp SQLite file, or a new PostgreSQL database.

PostgreSQL runs at 127.0.0.1:5432 with trust auth (see DEVELOPERS.md). Each call makes a database
with a unique name, so parallel test runs never collide, and drops it afterwards.

The real migrations run once per test process and backend, into a template; every migrated
database after that is a copy of it (SQLite's backup API, PostgreSQL's ``CREATE DATABASE …
TEMPLATE``): the same schema, without running Alembic a thousand times. Tests of the
migrations themselves ask for ``migrated=False`` and run them. A second template per process
and backend has the reference directory imported (the real import, once) for the tests that
need the directory (``directory=True``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sqlite3
import tempfile
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


_templates: dict[str, str] = {}


def _sqlite_template() -> str:
    """Path of this process's migrated SQLite template (made on first use)."""
    if "sqlite" not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="geldhulp-template-"))
        path = folder / "template.db"
        migrate.upgrade(f"sqlite+aiosqlite:///{path}")
        _templates["sqlite"] = str(path)
    return _templates["sqlite"]


def _copy_sqlite(target: Path, template: str | None = None) -> None:
    source = sqlite3.connect(template or _sqlite_template())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


def _pg_template() -> str:
    """Name of this process's migrated PostgreSQL template database (made on first use)."""
    import asyncio

    if "postgres" not in _templates:
        name = f"geldhulp_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
        atexit.register(_drop_pg_template, name)
        migrate.upgrade(_pg_url(name))
        _templates["postgres"] = name
    return _templates["postgres"]


def _pg_url(name: str) -> str:
    return f"{_pg_base().replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


def _import_directory(url: str) -> None:
    """The real reference import (bot.directory.repository) into the database at ``url``."""
    import asyncio

    from bot.directory.repository import import_reference
    from bot.storage.db import open_database

    async def run() -> None:
        async with open_database(url) as (_engine, factory), factory() as session:
            await import_reference(session)
            await session.commit()

    asyncio.run(run())


def _sqlite_directory_template() -> str:
    """Path of this process's migrated SQLite template with the directory imported."""
    if "sqlite+directory" not in _templates:
        path = Path(_sqlite_template()).with_name("directory.db")
        _copy_sqlite(path)
        _import_directory(f"sqlite+aiosqlite:///{path}")
        _templates["sqlite+directory"] = str(path)
    return _templates["sqlite+directory"]


def _pg_directory_template() -> str:
    """Name of this process's PostgreSQL template with the directory imported."""
    import asyncio

    if "postgres+directory" not in _templates:
        name = f"geldhulp_tpd_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        asyncio.run(_pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template()}"'))
        atexit.register(_drop_pg_template, name)
        _import_directory(_pg_url(name))
        _templates["postgres+directory"] = name
    return _templates["postgres+directory"]


def _drop_pg_template(name: str) -> None:
    import asyncio

    with contextlib.suppress(OSError, asyncpg.PostgresError):  # the server may be gone already
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def fresh_database(
    backend: str, tmp_path: Path, *, migrated: bool = True, directory: bool = False
) -> Iterator[str]:
    """Yield the SQLAlchemy async URL of a new, empty (and by default migrated) database;
    with ``directory``, migrated and with the reference directory imported."""
    import asyncio

    if directory and not migrated:
        raise ValueError("the directory needs the migrated schema")
    if backend == "sqlite":
        path = tmp_path / f"geldhulp-{uuid.uuid4().hex[:8]}.db"
        if migrated:
            _copy_sqlite(path, _sqlite_directory_template() if directory else None)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if backend != "postgres":
        raise ValueError(backend)
    name = f"geldhulp_t_{uuid.uuid4().hex[:12]}"
    template = ""
    if migrated:
        template = f' TEMPLATE "{_pg_directory_template() if directory else _pg_template()}"'
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"{template}'))
    url = _pg_url(name)
    try:
        yield url
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
