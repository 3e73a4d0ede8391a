"""Second-factor screens: the code after the password, setting up an authenticator app (QR code),
recovery codes, an admin resetting a colleague's second factor, and the reason an admin gives
before opening another team's conversation (`reason_gate`, called by the conversation view).

Every change is written to the audit log.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from bot import keys
from bot.console.login_views import labels
from bot.console.rendering import render
from bot.staff import StaffUser, User, audit, current_user, mfa, require_roles, set_cookie
from bot.staff.access import ReasonTooShort, give_reason, needs_reason, reasons_for_team
from bot.staff.auth import (
    ENROL,
    MAX_CODE_FAILURES,
    MFA,
    check_csrf,
    complete_login,
    end_sessions,
    pending_login,
)
from bot.staff.tables import StaffSession
from bot.storage.base import utcnow

LOCAL = ZoneInfo("Europe/Amsterdam")


def _db(request: web.Request) -> Any:
    return request.config_dict[keys.DB]


async def _form(request: web.Request) -> dict[str, str]:
    form = await request.post()
    return {k: str(v) for k, v in form.items()}


# --- the code after the password ------------------------------------------------------------


async def code_page(request: web.Request) -> web.Response:
    """GET /console/mfa."""
    pending = await pending_login(request)
    if pending is None or pending[0].stage != MFA:
        raise web.HTTPFound("/console/login")
    return render(
        "mfa.html", labels=labels(), csrf=pending[0].csrf, error=request.query.get("error", "")
    )


async def code_post(request: web.Request) -> web.Response:
    """POST /console/mfa: a code from the app, or a recovery code."""
    pending = await pending_login(request)
    if pending is None or pending[0].stage != MFA:
        raise web.HTTPFound("/console/login")
    form = await _form(request)
    if not check_csrf(form.get("csrf", ""), pending[0].csrf):
        raise web.HTTPForbidden(text="invalid CSRF token")
    code = form.get("code", "")
    async with _db(request)() as session:
        row = await session.get(StaffSession, pending[0].id)
        staff = await session.get(StaffUser, pending[1].id)
        if row is None or staff is None or staff.totp_secret is None:
            raise web.HTTPFound("/console/login")
        step = mfa.check_code(staff.totp_secret, code, staff.totp_last_step)
        action = "mfa.code"
        if step is not None:
            staff.totp_last_step = step
        elif mfa.looks_like_recovery(code):
            action = "mfa.recovery_used"
            remaining = await mfa.use_recovery_code(list(staff.recovery_codes or []), code)
            if remaining is not None:
                staff.recovery_codes = remaining
                step = -1
        if step is None:
            row.code_failures += 1
            audit(
                session,
                actor_id=staff.id,
                action=action,
                result="wrong_code",
                origin=request.remote,
            )
            if row.code_failures >= MAX_CODE_FAILURES:
                await session.delete(row)  # start again with the password (throttled there)
                await session.commit()
                raise web.HTTPFound("/console/login?error=invalid")
            await session.commit()
            raise web.HTTPFound("/console/mfa?error=code")
        sid = await complete_login(session, row)
        audit(session, actor_id=staff.id, action=action, origin=request.remote)
        await session.commit()
    response = web.HTTPFound("/console/")
    set_cookie(response, request, sid)
    raise response


# --- setting up the app ---------------------------------------------------------------------


async def _enrolling(request: web.Request) -> tuple[StaffSession, StaffUser, bool]:
    """The session and person setting up: a login at the set-up stage, or a logged-in person
    who changes phone (True)."""
    pending = await pending_login(request)
    if pending is not None and pending[0].stage == ENROL:
        return pending[0], pending[1], False
    user = await current_user(request)
    if user is None:
        raise web.HTTPFound("/console/login")
    async with _db(request)() as session:
        row = await session.get(StaffSession, user.session_id)
    if row is None:
        raise web.HTTPFound("/console/login")
    return row, user.staff, True


async def enrol_page(request: web.Request) -> web.Response:
    """GET /console/mfa/enrol: a new secret as a QR code and as text."""
    row, staff, _logged_in = await _enrolling(request)
    async with _db(request)() as session:
        live = await session.get(StaffSession, row.id)
        assert live is not None
        if not live.pending_secret:
            live.pending_secret = mfa.new_secret()
            await session.commit()
        secret = live.pending_secret
    uri = mfa.provisioning_uri(secret, staff.email)
    return render(
        "mfa_enrol.html",
        labels=labels(),
        csrf=row.csrf,
        qr_svg=mfa.qr_svg(uri, labels().label("mfa.qr_title")),
        secret=mfa.grouped(secret),
        error=request.query.get("error", ""),
    )


async def enrol_post(request: web.Request) -> web.Response:
    """POST /console/mfa/enrol: the first code proves the app works; recovery codes follow."""
    row, staff, logged_in = await _enrolling(request)
    form = await _form(request)
    if not check_csrf(form.get("csrf", ""), row.csrf):
        raise web.HTTPForbidden(text="invalid CSRF token")
    async with _db(request)() as session:
        live = await session.get(StaffSession, row.id)
        person = await session.get(StaffUser, staff.id)
        if live is None or person is None or not live.pending_secret:
            raise web.HTTPFound("/console/mfa/enrol")
        step = mfa.check_code(live.pending_secret, form.get("code", ""), None)
        if step is None:
            audit(
                session,
                actor_id=person.id,
                action="mfa.enrolled",
                result="wrong_code",
                origin=request.remote,
            )
            await session.commit()
            raise web.HTTPFound("/console/mfa/enrol?error=code")
        codes, hashes = mfa.new_recovery_codes()
        changed = person.totp_enrolled_at is not None
        person.totp_secret, person.totp_last_step = live.pending_secret, step
        person.totp_enrolled_at, person.recovery_codes = utcnow(), hashes
        live.pending_secret = None
        audit(
            session,
            actor_id=person.id,
            action="mfa.changed" if changed else "mfa.enrolled",
            object_ref=f"staff:{person.id}",
            origin=request.remote,
        )
        sid = live.id if logged_in else await complete_login(session, live)
        await session.commit()
    response = render("mfa_codes.html", labels=labels(), codes=codes)
    if not logged_in:
        set_cookie(response, request, sid)
    return response


# --- settings: recovery codes, admin reset --------------------------------------------------


@require_roles()
async def settings_page(request: web.Request) -> web.Response:
    """GET /console/mfa/instellingen."""
    user = await current_user(request)
    assert user is not None
    return _settings(user, request.query.get("message", ""), request.query.get("error", ""))


def _settings(user: User, message: str = "", error: str = "") -> web.Response:
    enrolled = user.staff.totp_enrolled_at
    return render(
        "mfa_settings.html",
        labels=labels(),
        user=user,
        enrolled=enrolled.astimezone(LOCAL).strftime("%d-%m-%Y") if enrolled else "",
        codes_left=len(user.staff.recovery_codes or []),
        message=message,
        error=error,
    )


@require_roles()
async def recovery_post(request: web.Request) -> web.Response:
    """POST /console/mfa/recovery: new recovery codes (a code from the app first)."""
    user = await current_user(request)
    assert user is not None
    form = await _form(request)
    async with _db(request)() as session:
        person = await session.get(StaffUser, user.id)
        assert person is not None
        step = (
            mfa.check_code(person.totp_secret, form.get("code", ""), person.totp_last_step)
            if person.totp_secret
            else None
        )
        if step is None:
            audit(
                session,
                actor_id=user.id,
                action="mfa.recovery_renewed",
                result="wrong_code",
                origin=request.remote,
            )
            await session.commit()
            return _settings(user, error=labels().label("mfa.wrong_code"))
        codes, hashes = mfa.new_recovery_codes()
        person.totp_last_step, person.recovery_codes = step, hashes
        audit(session, actor_id=user.id, action="mfa.recovery_renewed", origin=request.remote)
        await session.commit()
    return render("mfa_codes.html", labels=labels(), codes=codes)


@require_roles("admin")
async def reset_post(request: web.Request) -> web.Response:
    """POST /console/mfa/reset: an admin clears a colleague's second factor (they set it up
    again at their next login) and logs them out everywhere."""
    user = await current_user(request)
    assert user is not None
    email = (await _form(request)).get("email", "").strip().lower()
    async with _db(request)() as session:
        person = await session.scalar(select(StaffUser).where(StaffUser.email == email))
        if person is None:
            audit(
                session,
                actor_id=user.id,
                action="mfa.reset",
                result="unknown",
                origin=request.remote,
            )
            await session.commit()
            return _settings(user, error=labels().label("mfa.reset_unknown"))
        person.totp_secret = person.totp_enrolled_at = person.totp_last_step = None
        person.recovery_codes = []
        await end_sessions(session, person.id)
        audit(
            session,
            actor_id=user.id,
            action="mfa.reset",
            object_ref=f"staff:{person.id}",
            origin=request.remote,
        )
        await session.commit()
    return _settings(user, message=labels().label("mfa.reset_done", email=email))


# --- an admin's reason to open another team's conversation ----------------------------------


async def reason_gate(
    request: web.Request, user: User, conversation_id: str, team_id: int | None
) -> web.Response | None:
    """None when ``user`` may open the conversation now; else the page that asks the reason
    (a GET) or a 403 (anything else). Call it in the conversation view before showing it."""
    async with _db(request)() as session:
        if not await needs_reason(session, user, conversation_id, team_id):
            return None
    if request.method != "GET":
        raise web.HTTPForbidden(text=labels().label("mfa.reason_first"))
    return render(
        "mfa_reason.html",
        labels=labels(),
        user=user,
        conversation_id=conversation_id,
        error=request.query.get("error", ""),
    )


@require_roles("admin")
async def reason_post(request: web.Request) -> web.Response:
    """POST /console/access-reason: keep the reason, then open the conversation."""
    from bot.conversations.tables import Handover

    user = await current_user(request)
    assert user is not None
    form = await _form(request)
    conv_id = form.get("conversation", "")
    async with _db(request)() as session:
        team_id = await session.scalar(
            select(Handover.team_id)
            .where(Handover.conversation_id == conv_id)
            .order_by(Handover.id.desc())
            .limit(1)
        )
        try:
            await give_reason(
                session, user, conv_id, team_id, form.get("reason", ""), origin=request.remote
            )
        except ReasonTooShort:
            raise web.HTTPFound(f"/console/c/{conv_id}?error=reason") from None
        await session.commit()
    raise web.HTTPFound(f"/console/c/{conv_id}")


@require_roles("team_lead", "admin")
async def reasons_page(request: web.Request) -> web.Response:
    """GET /console/redenen: the reasons admins gave for this team's conversations."""
    user = await current_user(request)
    assert user is not None
    async with _db(request)() as session:
        rows = await reasons_for_team(session, None if user.is_admin else user.team_id)
    local = [(row, name, row.created_at.astimezone(LOCAL)) for row, name in rows]
    return render("mfa_reasons.html", labels=labels(), user=user, rows=local)


def setup_mfa_routes(app: web.Application) -> None:
    """Register the second-factor and access-reason screens."""
    app.router.add_get("/mfa", code_page, name="mfa")
    app.router.add_post("/mfa", code_post)
    app.router.add_get("/mfa/enrol", enrol_page, name="mfa_enrol")
    app.router.add_post("/mfa/enrol", enrol_post)
    app.router.add_get("/mfa/instellingen", settings_page, name="mfa_settings")
    app.router.add_post("/mfa/recovery", recovery_post)
    app.router.add_post("/mfa/reset", reset_post)
    app.router.add_post("/access-reason", reason_post)
    app.router.add_get("/redenen", reasons_page, name="access_reasons")
