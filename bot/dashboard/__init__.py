"""The municipality dashboard: an aiohttp sub-app at /dashboard/, read-only figures from analytics events."""

from __future__ import annotations

from aiohttp import web

from bot.settings import Settings


def create_dashboard_app(settings: Settings) -> web.Application:
    """Create the dashboard sub-app; the database and login come from the root app (config_dict)."""
    from bot.dashboard.views import setup_routes

    app = web.Application()
    setup_routes(app)
    return app
