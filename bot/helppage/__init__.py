"""The public help page: all local help of a municipality on one accessible page, /hulp/<gemeente>.

Same data as the chat and the dashboard editor (read fresh from the directory on every request),
no tracking, no scripts, nothing from another site; printable on one A4.
"""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings


def create_helppage_app(settings: Settings) -> web.Application:
    """Create the help-page sub-app; the database and texts come from the root app (config_dict)."""
    from bot.helppage.views import setup_routes

    app = web.Application()
    setup_routes(app, settings)
    return app
