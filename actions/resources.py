"""Process-wide resources of the action server, created on first use (never at import).

The action server is one long-running process: one database engine, one resolver and one text
catalog serve every request.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.directory.repository import load_resolver
from bot.directory.resolver import Resolver
from bot.settings import load_settings
from bot.storage.db import create_engine, session_factory
from bot.texts import TextCatalog

_factory: async_sessionmaker | None = None  # type: ignore[type-arg]
_resolver: Resolver | None = None
_lock = asyncio.Lock()


@lru_cache(maxsize=1)
def catalog() -> TextCatalog:
    """The domain responses (read once)."""
    return TextCatalog.load()


async def database() -> async_sessionmaker:  # type: ignore[type-arg]
    """The session factory for GELDHULP_DATABASE_URL."""
    global _factory
    if _factory is None:
        async with _lock:
            if _factory is None:
                _factory = session_factory(
                    create_engine(load_settings().database_url, small_pool=True)
                )
    return _factory


async def resolver() -> Resolver:
    """The municipality resolver, built from the directory once per process."""
    global _resolver
    if _resolver is None:
        factory = await database()
        async with factory() as session:
            built = await asyncio.wait_for(load_resolver(session), timeout=10)
        _resolver = built
    return _resolver
