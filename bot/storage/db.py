"""Async engine and session factory; ``db_context`` ties them to an aiohttp app's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

# PostgreSQL: connections kept open for the workers and the web requests. Each item holds a
# connection only for its short transactions (no network call inside one), so ten serve the
# workers' 16 + 16 items on a 2-core machine; past the pool, up to ten more are opened and closed
# per use, and beyond that a caller waits for a free one (it does not fail). Sized so that the
# cluster set-up fits PostgreSQL's default of 100 connections with room for the rest: two
# gateways (2 x 20), the action server (``small_pool``: 5 + 5) and two Rasa replicas (SQLAlchemy's
# default 5 + 10 each) are at most 80. At 20 + 20 per gateway, and the same for the action
# server, a loaded cluster ran out ("too many clients already").
PG_POOL_SIZE = 10
PG_MAX_OVERFLOW = 10
SMALL_PG_POOL = (5, 5)  # a process with few queries at once (the action server)


def create_engine(url: str, *, small_pool: bool = False, **kwargs: object) -> AsyncEngine:
    """Create an async engine; for SQLite, create the folder and turn on WAL, synchronous=NORMAL
    and foreign keys; for PostgreSQL, a pool sized to the workers (``small_pool``: to a process
    with few queries at once)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
    else:
        kwargs.setdefault("pool_pre_ping", True)
        size, overflow = SMALL_PG_POOL if small_pool else (PG_POOL_SIZE, PG_MAX_OVERFLOW)
        kwargs.setdefault("pool_size", size)
        kwargs.setdefault("max_overflow", overflow)
    # a failing statement's error never repeats its values (phone numbers, message text)
    kwargs.setdefault("hide_parameters", True)
    engine = create_async_engine(url, **kwargs)  # type: ignore[arg-type]
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # in WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives a
            # crash of the process (the gateway's kill -9), only a power cut may lose the last
            # ones. SQLite is the single-instance set-up; production runs on PostgreSQL.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    """A session factory that keeps objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker]]:  # type: ignore[type-arg]
    """Open an engine and session factory; dispose of the engine on exit."""
    engine = create_engine(url)
    try:
        yield engine, session_factory(engine)
    finally:
        await engine.dispose()
