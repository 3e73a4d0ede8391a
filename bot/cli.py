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

from bot.privacy.logfilter import install as install_log_filter

# sub-command -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("bot.storage.cli", "database schema (Alembic migrations)"),
    "directory": ("bot.directory.cli", "local-help directory: import, export, check"),
    "demo": ("bot.demo", "demo data: a demo team and a demo history, clearly marked as demo"),
    "nlu": ("bot.analytics.nlu_export", "export reviewed questions as Rasa training data"),
    "serve": ("bot.serve", "run the gateway (webhooks, web chat, console, dashboard)"),
    "actions": ("bot.actionserver", "run the action server (rasa_sdk) with our log filter"),
    "run": ("bot.supervise", "start Rasa, the action server and the gateway together"),
    "cluster": ("bot.cluster", "2 gateways, 2 Rasa replicas, actions, PostgreSQL and Redis"),
    "templates": ("bot.conversations.templates", "approved WhatsApp templates per municipality"),
    "audit": ("bot.staff.cli", "staff audit log: verify the hash chain"),
    "staff": ("bot.staff.accounts_cli", "teams and staff accounts: add, list, reset, disable"),
    "letter": ("bot.letters.cli", "read a photographed letter: kind, sender, amount, deadline"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the parser; only the module of ``command`` is imported (all when it is None).

    A command line starts one process per command (an operator, `make run`, the tests): importing
    every feature (the gateway, Alembic, the action server) for each cost about a second.
    """
    parser = argparse.ArgumentParser(prog="geldhulp", description="Geldhulp command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text)
        if command is not None and name != command:
            continue
        module = importlib.import_module(module_name)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_run=module.run)
    return parser


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line, or None (help, or a wrong name)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


# third-party loggers that say more than an operator needs, or what must not be logged
QUIET_LOGGERS = {
    "alembic.runtime.plugins": logging.WARNING,
    "httpx": logging.WARNING,  # request lines carry the Telegram bot token in the URL
    "aiohttp.access": logging.WARNING,  # access lines carry ids in the paths
}


def configure_logging(level: int = logging.INFO) -> None:
    """Logging of every process we start (gateway, CLI commands, the action server's workers):
    one format to stderr, and the personal-data filter on every record (bot.privacy.logfilter)."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    install_log_filter()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen sub-command."""
    configure_logging()
    argv = list(sys.argv[1:] if argv is None else argv)
    command = chosen_command(argv)
    args = build_parser(command or "").parse_args(argv)
    return int(args._run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
