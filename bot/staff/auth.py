"""Staff login for the console and the dashboard: password, then the second factor (TOTP), then
a server-side session in a secure cookie; CSRF, throttling, roles. Both screens use
`current_user` and `require_roles`.

A wrong password, an unknown account, a demo account outside development and a throttled
attempt all get the same answer ("invalid"), so the login tells nobody which accounts exist.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import keys
from bot.settings import Settings
from bot.staff import mfa, throttle
from bot.staff.alerts import raise_alert
from bot.staff.audit import record as audit
from bot.staff.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from bot.staff.tables import StaffSession, StaffUser, Team
from bot.storage.base import utcnow

COOKIE = "gh_console"
LOGIN_PATH = "/console/login"
SESSION_HOURS = 10
PENDING_MINUTES = 10  # from the right password to the code
MAX_CODE_FAILURES = 5  # wrong codes on one pending login before it is dropped
LOCKOUT = throttle.WINDOW
FULL, MFA, ENROL = "full", "mfa", "enrol"
ROLES = ("counsellor", "peer", "team_lead", "analyst", "admin")
CHAT_ROLES = ("counsellor", "peer", "team_lead", "admin")
USER_KEY: web.RequestKey[object] = web.RequestKey("staff_user", object)


class User:
    """The logged-in person and what they may see."""

    def __init__(self, staff: StaffUser, team: Team | None, csrf: str, session_id: str) -> None:
        self.id, self.name, self.role = staff.id, staff.name, staff.role
        self.team_id = staff.team_id
        self.municipality_codes: list[str] = list(team.municipality_codes or []) if team else []
        self.csrf = csrf
        self.session_id = session_id
        self.staff = staff

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def has_mfa(self) -> bool:
        """True when this account has a second factor set up."""
        return self.staff.totp_enrolled_at is not None


@dataclass(frozen=True)
class LoginResult:
    """What a password login led to: a session and its stage, or "invalid"."""

    session_id: str | None
    stage: str  # full | mfa | enrol | invalid


def _settings(request: web.Request) -> Settings:
    return request.config_dict[keys.SETTINGS]


def _factory(request: web.Request) -> async_sessionmaker[AsyncSession]:
    return request.config_dict[keys.DB]


def _allowed(staff: StaffUser, settings: Settings) -> bool:
    """Demo accounts work only in development."""
    return settings.is_development or not staff.demo


async def _failed(
    factory: async_sessionmaker[AsyncSession],
    staff_id: int | None,
    origin: str | None,
    result: str,
) -> None:
    """Audit a failed attempt and count it; a spike of failures alerts the admins."""
    async with factory() as session:
        audit(session, actor_id=staff_id, action="login", result=result, origin=origin)
        if await throttle.count_failure(session) == throttle.SPIKE_LIMIT:
            await raise_alert(session, kind="login_spike", audience="admin")
        await session.commit()


async def login(request: web.Request, email: str, password: str) -> LoginResult:
    """Check the password (throttled per account+address and per address) and open a session:
    logged in, or waiting for the second factor (or its set-up)."""
    settings, factory, origin = _settings(request), _factory(request), request.remote
    counter = throttle.keys_for(str(settings.secret_key), email, origin)
    if not await throttle.reserve(factory, counter):
        await _failed(factory, None, origin, "throttled")
        return LoginResult(None, "invalid")
    async with factory() as session:
        staff = await session.scalar(
            select(StaffUser).where(StaffUser.email == email.strip().lower())
        )
    if staff is None:
        await asyncio.to_thread(verify_password, password, dummy_hash())  # the same work
        await _failed(factory, None, origin, "unknown_account")
        return LoginResult(None, "invalid")
    if not await asyncio.to_thread(verify_password, password, staff.password_hash):
        await _failed(factory, staff.id, origin, "wrong_password")
        return LoginResult(None, "invalid")
    if not _allowed(staff, settings):
        await _failed(factory, staff.id, origin, "demo_refused")
        return LoginResult(None, "invalid")
    await throttle.forgive(factory, counter)
    rehashed = (
        await asyncio.to_thread(hash_password, password)
        if needs_rehash(staff.password_hash)
        else None
    )
    if staff.totp_enrolled_at is not None:
        stage = MFA
    elif mfa.required(settings):
        stage = ENROL
    else:
        stage = FULL
    async with factory() as session:
        if rehashed is not None:  # a weaker hash than today's: replaced by one at full strength
            await session.execute(
                update(StaffUser)
                .where(StaffUser.id == staff.id, StaffUser.password_hash == staff.password_hash)
                .values(password_hash=rehashed)
            )
        sid = await _open_session(session, staff.id, stage)
        audit(
            session,
            actor_id=staff.id,
            action="login",
            result="ok" if stage == FULL else "password_ok",
            origin=origin,
        )
        await session.commit()
    return LoginResult(sid, stage)


async def _open_session(session: AsyncSession, staff_id: int, stage: str) -> str:
    now = utcnow()
    sid = secrets.token_urlsafe(32)
    lifetime = (
        timedelta(hours=SESSION_HOURS) if stage == FULL else timedelta(minutes=PENDING_MINUTES)
    )
    session.add(
        StaffSession(
            id=sid,
            staff_id=staff_id,
            csrf=secrets.token_urlsafe(24),
            expires_at=now + lifetime,
            stage=stage,
        )
    )
    await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
    return sid


async def pending_login(request: web.Request) -> tuple[StaffSession, StaffUser] | None:
    """The session of a password login still waiting for its second factor, with its user."""
    sid = request.cookies.get(COOKIE)
    if not sid:
        return None
    async with _factory(request)() as session:
        row = await session.get(StaffSession, sid)
        if row is None or row.stage == FULL or row.expires_at <= utcnow():
            return None
        staff = await session.get(StaffUser, row.staff_id)
    if staff is None or not _allowed(staff, _settings(request)):
        return None
    return row, staff


async def complete_login(session: AsyncSession, pending: StaffSession) -> str:
    """Replace a pending session by a logged-in one with a new id (in the caller's transaction)."""
    await session.execute(delete(StaffSession).where(StaffSession.id == pending.id))
    return await _open_session(session, pending.staff_id, FULL)


async def logout(request: web.Request) -> None:
    """Forget this browser's session."""
    sid = request.cookies.get(COOKIE)
    if sid:
        user = await current_user(request)
        async with _factory(request)() as session:
            await session.execute(delete(StaffSession).where(StaffSession.id == sid))
            if user is not None:
                audit(session, actor_id=user.id, action="logout", origin=request.remote)
            await session.commit()


async def end_sessions(session: AsyncSession, staff_id: int) -> None:
    """Log a person out everywhere (after an MFA reset, for example)."""
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


async def current_user(request: web.Request) -> User | None:
    """The logged-in user of this request, or None.

    Outside development an account without a second factor is not logged in (it sets one up
    at the next login).
    """
    if USER_KEY in request:
        return request[USER_KEY]  # type: ignore[return-value]
    sid = request.cookies.get(COOKIE)
    user = None
    if sid:
        settings = _settings(request)
        async with _factory(request)() as session:
            row = await session.get(StaffSession, sid)
            if row is not None and row.stage == FULL and row.expires_at > utcnow():
                staff = await session.get(StaffUser, row.staff_id)
                team = await session.get(Team, staff.team_id) if staff and staff.team_id else None
                if (
                    staff is not None
                    and _allowed(staff, settings)
                    and (staff.totp_enrolled_at is not None or not mfa.required(settings))
                ):
                    user = User(staff, team, row.csrf, row.id)
    request[USER_KEY] = user
    return user


def cookie_secure(request: web.Request) -> bool:
    """Cookies are Secure outside development (and always on https)."""
    settings = _settings(request)
    return not settings.is_development or settings.public_url.startswith("https://")


def set_cookie(
    response: web.StreamResponse, request: web.Request, sid: str, *, minutes: int | None = None
) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure outside development."""
    response.set_cookie(
        COOKIE,
        sid,
        httponly=True,
        samesite="Strict",
        secure=cookie_secure(request),
        max_age=(minutes * 60) if minutes else SESSION_HOURS * 3600,
        path="/",
    )


def check_csrf(given: str, expected: str) -> bool:
    """Constant-time comparison of a CSRF token."""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


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
                if not check_csrf(given, user.csrf):
                    raise web.HTTPForbidden(text="invalid CSRF token")
            return await handler(request)

        inner.__name__ = handler.__name__
        inner.__doc__ = handler.__doc__
        return inner

    return wrap
