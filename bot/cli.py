"""The `geldhulp` command: one entry point, one sub-command per feature.

Each feature module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and is imported
only when its sub-command is used, so `geldhulp --help` stays fast and import has no side effects.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

# sub-command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("bot.storage.cli", "database schema (Alembic migrations)"),
    "directory": ("bot.directory.cli", "local-help directory: import, export, check"),
    "demo": ("bot.demo", "demo data: a demo team and a demo history, clearly marked as demo"),
    "nlu": ("bot.analytics.nlu_export", "export reviewed questions as Rasa training data"),
    "serve": ("bot.serve", "run the gateway (webhooks, web chat, console, dashboard)"),
    "run": ("bot.supervise", "start Rasa, the action server and the gateway together"),
    "cluster": ("bot.cluster", "2 gateways, 2 Rasa replicas, actions, PostgreSQL and Redis"),
    "templates": ("bot.conversations.templates", "approved WhatsApp templates per municipality"),
    "audit": ("bot.staff.cli", "staff audit log: verify the hash chain"),
    "staff": ("bot.staff.accounts_cli", "teams and staff accounts: add, list, reset, disable"),
}


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every available sub-command."""
    parser = argparse.ArgumentParser(prog="geldhulp", description="Geldhulp command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen sub-command."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from bot.storage.logfilter import install

    install()  # a failing database write never logs the row (phone numbers, message text)
    args = build_parser().parse_args(argv)
    return int(args._run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
