"""Staff login for the console and the dashboard: server-side sessions in a secure cookie, CSRF,
lock-out, roles. Both screens use `current_user` and `require_roles`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import delete, select

from bot import keys
from bot.staff.passwords import DUMMY_HASH, verify_password
from bot.staff.tables import StaffSession, StaffUser, Team
from bot.storage.base import utcnow

COOKIE = "gh_console"
LOGIN_PATH = "/console/login"
SESSION_HOURS = 10
MAX_FAILED = 5
LOCKOUT = timedelta(minutes=15)
ROLES = ("counsellor", "peer", "team_lead", "analyst", "admin")
CHAT_ROLES = ("counsellor", "peer", "team_lead", "admin")
USER_KEY: web.RequestKey[object] = web.RequestKey("staff_user", object)


class User:
    """The logged-in person and what they may see."""

    def __init__(self, staff: StaffUser, team: Team | None, csrf: str) -> None:
        self.id, self.name, self.role = staff.id, staff.name, staff.role
        self.team_id = staff.team_id
        self.municipality_codes: list[str] = list(team.municipality_codes or []) if team else []
        self.csrf = csrf
        self.staff = staff

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def login(request: web.Request, email: str, password: str) -> tuple[str | None, str]:
    """Check credentials; return (session id, "") or (None, reason)."""
    factory = request.config_dict[keys.DB]
    async with factory() as session:
        staff = await session.scalar(
            select(StaffUser).where(StaffUser.email == email.strip().lower())
        )
        if staff is None:
            verify_password(password, DUMMY_HASH)  # same work as for a real user: no timing signal
            return None, "invalid"
        now = utcnow()
        if staff.locked_until and staff.locked_until > now:
            return None, "locked"
        if not verify_password(password, staff.password_hash):
            staff.failed_logins += 1
            if staff.failed_logins >= MAX_FAILED:
                staff.locked_until, staff.failed_logins = now + LOCKOUT, 0
            await session.commit()
            return None, "invalid"
        staff.failed_logins, staff.locked_until = 0, None
        sid = secrets.token_urlsafe(32)
        session.add(
            StaffSession(
                id=sid,
                staff_id=staff.id,
                csrf=secrets.token_urlsafe(24),
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )
        await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
        await session.commit()
        return sid, ""


async def logout(request: web.Request) -> None:
    """Forget this browser's session."""
    sid = request.cookies.get(COOKIE)
    if sid:
        async with request.config_dict[keys.DB]() as session:
            await session.execute(delete(StaffSession).where(StaffSession.id == sid))
            await session.commit()


async def current_user(request: web.Request) -> User | None:
    """The logged-in user of this request, or None."""
    if USER_KEY in request:
        return request[USER_KEY]  # type: ignore[no-any-return]
    sid = request.cookies.get(COOKIE)
    user = None
    if sid:
        async with request.config_dict[keys.DB]() as session:
            row = await session.get(StaffSession, sid)
            if row is not None and row.expires_at > utcnow():
                staff = await session.get(StaffUser, row.staff_id)
                team = await session.get(Team, staff.team_id) if staff and staff.team_id else None
                if staff is not None:
                    user = User(staff, team, row.csrf)
    request[USER_KEY] = user
    return user


def set_cookie(response: web.StreamResponse, request: web.Request, sid: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure on https."""
    secure = request.config_dict[keys.SETTINGS].public_url.startswith("https://")
    response.set_cookie(
        COOKIE,
        sid,
        httponly=True,
        samesite="Strict",
        secure=secure,
        max_age=SESSION_HOURS * 3600,
        path="/",
    )


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def require_roles(*roles: str) -> Callable[[Handler], Handler]:
    """Decorator: a logged-in user with one of ``roles``; POSTs need the CSRF token."""

    def wrap(handler: Handler) -> Handler:
        async def inner(request: web.Request) -> web.StreamResponse:
            user = await current_user(request)
            if user is None:
                if request.method == "GET" and not request.path.endswith("/ws"):
                    raise web.HTTPFound(LOGIN_PATH)  # also from other sub-apps (dashboard)
                raise web.HTTPUnauthorized(text="login required")
            if roles and user.role not in roles:
                raise web.HTTPForbidden(text="not allowed for this role")
            if request.method == "POST":
                form: Any = await request.post()
                given = str(form.get("csrf") or request.headers.get("X-CSRF-Token") or "")
                if not hmac.compare_digest(given, user.csrf):
                    raise web.HTTPForbidden(text="invalid CSRF token")
            return await handler(request)

        inner.__name__ = handler.__name__
        inner.__doc__ = handler.__doc__
        return inner

    return wrap
