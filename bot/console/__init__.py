"""The counsellors' console: an aiohttp sub-app at /console/ (login, queue, conversations)."""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings


def create_console_app(settings: Settings) -> web.Application:
    """Create the console sub-app; shared resources come from the root app (config_dict)."""
    from bot.console.views import setup_routes

    app = web.Application()
    setup_routes(app)
    return app
