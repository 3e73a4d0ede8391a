"""`geldhulp db upgrade|downgrade`: schema changes through Alembic."""

from __future__ import annotations

import argparse

from bot.settings import load_settings
from bot.storage import migrate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the `db` sub-commands."""
    parser.add_argument("action", choices=["upgrade", "downgrade"])
    parser.add_argument("revision", nargs="?", default=None)
    parser.add_argument("--url", default=None, help="database URL (default: GELDHULP_DATABASE_URL)")


def run(args: argparse.Namespace) -> int:
    """Apply or revert migrations."""
    url = args.url or load_settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "heads")
    else:
        migrate.downgrade(url, args.revision or "base")
    return 0
