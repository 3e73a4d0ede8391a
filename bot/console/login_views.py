"""Console login and logout screens (the staff part checks the credentials and keeps sessions).

The login form carries a CSRF token that must match a cookie set with the form (SameSite=Strict,
so a form posted from another site has no cookie: no login CSRF). A request with an Origin header
from elsewhere is refused as well.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from urllib.parse import urlparse

from aiohttp import web

from bot import keys
from bot.console.rendering import render
from bot.labels import Labels
from bot.staff import COOKIE, login, logout, require_roles, set_cookie
from bot.staff.auth import ENROL, FULL, MFA, PENDING_MINUTES, check_csrf, cookie_secure

LOGIN_COOKIE = "gh_login"
LOGIN_COOKIE_PATH = "/console/login"


@lru_cache(maxsize=1)
def labels() -> Labels:
    """The staff labels (read once)."""
    return Labels.load()


def same_origin(request: web.Request) -> bool:
    """False when the browser says the request comes from another site."""
    origin = request.headers.get("Origin")
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return False
    if not origin or origin == "null":  # "null": our pages send no referrer, so no origin
        return True
    public = urlparse(request.config_dict[keys.SETTINGS].public_url).netloc
    return urlparse(origin).netloc in {public, request.host}


async def login_page(request: web.Request) -> web.Response:
    """GET /console/login: the form, with a fresh CSRF token in the form and in a cookie."""
    token = secrets.token_urlsafe(24)
    response = render(
        "login.html", labels=labels(), csrf=token, error=request.query.get("error", "")
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=cookie_secure(request),
        max_age=3600,
        path=LOGIN_COOKIE_PATH,
    )
    return response


async def login_post(request: web.Request) -> web.Response:
    """POST /console/login: password; then the second factor (or its set-up) when needed."""
    login_url = request.app.router["login"].url_for()
    form = await request.post()
    if not same_origin(request) or not check_csrf(
        str(form.get("csrf") or ""), request.cookies.get(LOGIN_COOKIE, "")
    ):
        raise web.HTTPFound(f"{login_url}?error=expired")
    result = await login(request, str(form.get("email", "")), str(form.get("password", "")))
    if result.session_id is None:
        raise web.HTTPFound(f"{login_url}?error=invalid")
    target = {
        FULL: str(request.app.router["queue"].url_for()),
        MFA: "/console/mfa",
        ENROL: "/console/mfa/enrol",
    }[result.stage]
    response = web.HTTPFound(target)
    set_cookie(
        response,
        request,
        result.session_id,
        minutes=None if result.stage == FULL else PENDING_MINUTES,
    )
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_COOKIE_PATH)
    raise response


@require_roles()
async def logout_post(request: web.Request) -> web.Response:
    """POST /console/logout."""
    await logout(request)
    response = web.HTTPFound(request.app.router["login"].url_for())
    response.del_cookie(COOKIE, path="/")
    raise response


def setup_login_routes(app: web.Application) -> None:
    """Register login and logout (named "login" for redirects) and the second-factor screens."""
    from bot.console.mfa_views import setup_mfa_routes

    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login_post)
    app.router.add_post("/logout", logout_post)
    setup_mfa_routes(app)
