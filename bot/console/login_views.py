"""Console login and logout screens (the staff part checks the credentials and keeps sessions)."""

from __future__ import annotations

from aiohttp import web

from bot.console.rendering import render
from bot.staff import COOKIE, login, logout, require_roles, set_cookie


async def login_page(request: web.Request) -> web.Response:
    """GET /console/login."""
    return render("login.html", error=request.query.get("error", ""))


async def login_post(request: web.Request) -> web.Response:
    """POST /console/login: lock-out after repeated failures."""
    form = await request.post()
    sid, reason = await login(request, str(form.get("email", "")), str(form.get("password", "")))
    if sid is None:
        raise web.HTTPFound(f"{request.app.router['login'].url_for()}?error={reason}")
    response = web.HTTPFound(request.app.router["queue"].url_for())
    set_cookie(response, request, sid)
    raise response


@require_roles()
async def logout_post(request: web.Request) -> web.Response:
    """POST /console/logout."""
    await logout(request)
    response = web.HTTPFound(request.app.router["login"].url_for())
    response.del_cookie(COOKIE, path="/")
    raise response


def setup_login_routes(app: web.Application) -> None:
    """Register login and logout (named "login" for redirects)."""
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login_post)
    app.router.add_post("/logout", logout_post)
