"""`geldhulp audit verify`: check the staff audit log's hash chain (BIO 8.15.06: a periodic
integrity check, best by someone independent of the administrators)."""

from __future__ import annotations

import argparse
import asyncio

from bot.settings import load_settings
from bot.staff.audit import ChainReport, verify_chain
from bot.storage.db import open_database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `audit verify`."""
    parser.add_argument("action", choices=["verify"])
    parser.add_argument("--url", default=None, help="database URL (default: the settings)")
    parser.add_argument(
        "--head",
        default=None,
        help="a head hash noted at an earlier check: it must still be in the chain",
    )


async def _verify(url: str, head: str | None) -> ChainReport:
    async with open_database(url) as (_engine, factory), factory() as session:
        return await verify_chain(session, noted_head=head)


def run(args: argparse.Namespace) -> int:
    """Print the result; exit code 1 when the chain is broken."""
    report = asyncio.run(_verify(args.url or load_settings().database_url, args.head))
    if report.ok:
        print(f"audit log intact: {report.entries} entries, head {report.head}")
        return 0
    print(f"audit log BROKEN after {report.entries} entries: {report.problem}")
    return 1
