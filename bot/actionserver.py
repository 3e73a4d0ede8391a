"""`geldhulp actions`: the Rasa action server (rasa_sdk, Sanic) with our logging and log filter.

rasa_sdk's own entry (`python -m rasa_sdk`) configures coloured logging and starts Sanic, which
serves from worker processes of its own; nothing of ours would run there. This entry builds the
same server from rasa_sdk's public pieces, but its app factory first sets up our logging
(`bot.cli.configure_logging`: one format, the personal-data filter on every record) in each
process Sanic starts. `make run`, `make cluster` and the tests start the action server here.
"""

from __future__ import annotations

import argparse
import functools
import os

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic
from sanic.worker.loader import AppLoader

from bot.cli import configure_logging
from bot.privacy.logfilter import announce as announce_log_filter

DEFAULT_PORT = 5055


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `actions` options."""
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on loopback")
    parser.add_argument("--actions", default="actions", help="package with the custom actions")


def create_app(executor: ActionExecutor) -> Sanic:
    """The action server's app, built in every Sanic process after our logging is set up."""
    configure_logging()
    announce_log_filter()
    app: Sanic = create_app_for_serve(executor, cors_origins=None)
    return app


def run(args: argparse.Namespace) -> int:
    """Serve the actions until stopped (Sanic handles SIGINT and SIGTERM)."""
    executor = ActionExecutor()
    executor.register_package(args.actions)
    loader = AppLoader(factory=functools.partial(create_app, executor))
    app = loader.load()
    # loopback unless told otherwise (Sanic would listen on every interface)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    app.prepare(host=host, port=args.port, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)
    return 0
