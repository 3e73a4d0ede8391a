"""`geldhulp serve`: run the gateway (webhooks, web chat, console, dashboard)."""

from __future__ import annotations

import argparse

from aiohttp import web

from bot.app import create_app
from bot.privacy.logfilter import announce as announce_log_filter
from bot.settings import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: everything comes from GELDHULP_* settings."""


def run(args: argparse.Namespace) -> int:
    """Serve until stopped."""
    settings = load_settings()  # logging is set up by bot.cli (filter included)
    announce_log_filter()
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
    return 0
