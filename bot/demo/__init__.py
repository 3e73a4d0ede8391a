"""`geldhulp demo seed`: demo data for a first start, always marked as demo.

Each feature adds a seeder module here (``team`` for the console's demo team, ``history`` for the
dashboard's demo history) and one line to `SEEDERS`. A seeder is
``async def seed(session_factory, *, if_empty) -> str``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import history, local_help, team
from bot.settings import load_settings
from bot.storage.db import open_database

logger = logging.getLogger(__name__)
Seeder = Callable[..., Awaitable[str]]
SEEDERS: dict[str, Seeder] = {
    "team": team.seed,
    "history": history.seed,
    "local_help": local_help.seed,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `demo seed`."""
    parser.add_argument("action", choices=["seed"])
    parser.add_argument("--if-empty", action="store_true", help="only seed an empty database")
    parser.add_argument("--url", default=None)


async def _seed(url: str, if_empty: bool) -> None:
    async with open_database(url) as (_engine, factory):
        await seed_all(factory, if_empty=if_empty)


async def seed_all(factory: async_sessionmaker[AsyncSession], *, if_empty: bool) -> None:
    """Run every seeder."""
    for name, seed in SEEDERS.items():
        summary = await seed(factory, if_empty=if_empty)
        logger.info("demo seed %s: %s", name, summary)


def run(args: argparse.Namespace) -> int:
    """Seed demo data (development only: demo accounts have a published password)."""
    settings = load_settings()
    if not settings.is_development:
        logger.error(
            "demo seed refused: GELDHULP_ENV is %r, demo data is for development", settings.env
        )
        return 2
    asyncio.run(_seed(args.url or settings.database_url, args.if_empty))
    return 0
