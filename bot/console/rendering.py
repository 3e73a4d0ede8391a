"""Console pages: Jinja2 templates (autoescaped) served with a strict security policy.

Every template can use ``L("console.queue.heading")`` for its words (the Dutch label file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.console.present import L

TEMPLATES = Path(__file__).resolve().parent / "templates"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
ENV.globals["L"] = L


def render(name: str, **context: Any) -> web.Response:
    """A template as an HTML response with a strict CSP."""
    html = ENV.get_template(name).render(**context)
    return web.Response(
        text=html,
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
            "connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'",
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
