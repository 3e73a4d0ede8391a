"""Console pages: the queue (with callbacks, alerts and who is there), one conversation
(summary, transcript, notes) and the actions on it.

Thin handlers: authorisation here, use cases in bot/conversations/handover.py, words in
present.py. Every opening of a conversation and every action is written to the audit log.
What a resident typed is shown as text (Jinja2 autoescape), never executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keys
from bot.console import present
from bot.console.live import live
from bot.console.login_views import setup_login_routes
from bot.console.media import media_file
from bot.console.mfa_views import reason_gate
from bot.console.plan_views import plan_slot
from bot.console.queries import (
    conversation_view,
    earlier_chats,
    load_by_id,
    queue_data,
    settle_crisis,
)
from bot.console.rendering import render
from bot.console.reports import setup_report_routes
from bot.console.tables import QuickReply
from bot.conversations.handover import HandoverError, HandoverService
from bot.conversations.keys import CALLBACK_PHONES, HANDOVER, WAKEUPS
from bot.conversations.states import InvalidTransition, Status
from bot.conversations.tables import Conversation, Handover, Note
from bot.staff import (
    CHAT_ROLES,
    StaffAlert,
    StaffUser,
    Team,
    User,
    audit,
    current_user,
    mark_seen,
    open_alerts,
    require_roles,
)
from bot.staff.team_rules import rules_for, set_rules
from bot.storage.base import utcnow

OUTCOMES = ("referred", "appointment_made", "advice_given", "no_show", "other")
PRESENCES = ("available", "away", "offline")


def page(name: str, user: User | None, **context: Any) -> web.Response:
    """Render a console page with the label function and the user's words."""
    presence = user.staff.presence if user else "offline"
    return render(
        name,
        L=present.L,
        user=user,
        user_line=present.L(
            "console.logged_in_as", name=user.name, role=present.role_text(user.role)
        )
        if user
        else "",
        presences=[(p, present.word("console.presence", p), p == presence) for p in PRESENCES],
        **context,
    )


SHORTCUTS = ("j", "k", "t", "r", "e", "/", "f", "?", "Esc")
CHANNELS = ("web", "telegram", "whatsapp")
LANGUAGES = ("nl", "en", "tr", "pl", "uk", "ar")


def canned_text(text: str, municipality: str, name: str) -> str:
    """A ready-made reply with its variables filled: {gemeente} is the resident's municipality,
    {naam} the first name of the person who sends it."""
    return text.replace("{gemeente}", municipality).replace("{naam}", name.split(" ")[0])


def workspace(data: dict[str, Any]) -> dict[str, Any]:
    """What the three-pane page needs besides the queue: filter choices and the shortcuts."""
    tags = sorted({tag for row in data["rows"] for tag in row["labels"]})
    return {
        "channels": [(c, present.word("console.channel", c)) for c in CHANNELS],
        "languages": [(c, present.language_word(c)) for c in LANGUAGES],
        "all_labels": tags,
        "shortcuts": [(key, present.L(f"console.keys.k{i}")) for i, key in enumerate(SHORTCUTS)],
    }


@require_roles()
async def queue_page(request: web.Request) -> web.Response:
    """GET /console/: the three panes, with no conversation open (analysts go on to the
    dashboard)."""
    user = await current_user(request)
    assert user is not None
    if user.role not in CHAT_ROLES:
        raise web.HTTPFound("/dashboard/")  # the landing page after login for analysts
    async with request.config_dict[keys.DB]() as session:
        data = await queue_data(session, user)
        rules = await rules_for(session, user.team_id) if user.team_id else None
    return page("queue.html", user, data=data, rules=rules, conv=None, **workspace(data))


@require_roles(*CHAT_ROLES)
async def queue_json(request: web.Request) -> web.Response:
    """GET /console/api/queue: the rows of the queue, in words (what the live socket sends)."""
    user = await current_user(request)
    assert user is not None
    async with request.config_dict[keys.DB]() as session:
        data = await queue_data(session, user)
    return web.json_response(data["rows"])


async def load(
    request: web.Request, user: User, session: AsyncSession, *, reason: bool = True
) -> tuple[Conversation, Handover | None]:
    """The conversation of the URL and its latest handover, if this user may see it (an admin
    outside their own team: once they gave a reason, see `reason_gate`)."""
    conv = await session.get(Conversation, request.match_info["id"])
    if conv is None:
        raise web.HTTPNotFound(text=present.L("console.errors.not_found"))
    found = await load_by_id(session, user, conv.id, reason=reason)
    if found is None:
        raise web.HTTPForbidden(text=present.L("console.errors.forbidden"))
    return found


@require_roles(*CHAT_ROLES)
async def conversation_page(request: web.Request) -> web.Response:
    """GET /console/c/{id}: the three panes with this conversation open; with ?pane=1 only the
    conversation and its side panel (the console swaps them in without a reload). Every
    opening is audited."""
    user = await current_user(request)
    assert user is not None
    async with request.config_dict[keys.DB]() as session:
        conv, handover = await load(request, user, session, reason=False)
    gate = await reason_gate(request, user, conv.id, handover.team_id if handover else None)
    if gate is not None:  # an admin outside their team: the reason first (kept and audited)
        return gate
    pane = request.query.get("pane") == "1"
    async with request.config_dict[keys.DB]() as session:
        conv, handover = await load(request, user, session)
        audit(
            session,
            actor_id=user.id,
            action="opened",
            conversation_id=conv.id,
            origin=request.remote,
        )
        view = await conversation_view(session, conv, handover, user)
        notes = (
            await session.scalars(
                select(Note).where(Note.conversation_id == conv.id).order_by(Note.id)
            )
        ).all()
        quick = (
            await session.scalars(
                select(QuickReply).where(QuickReply.team_id == user.team_id).order_by(QuickReply.id)
            )
        ).all()
        colleagues = (
            await session.scalars(
                select(StaffUser).where(
                    StaffUser.team_id == user.team_id,
                    StaffUser.id != user.id,
                    StaffUser.role.in_(("counsellor", "peer", "team_lead")),
                )
            )
        ).all()
        earlier = await earlier_chats(session, user, conv)
        plan_html = await plan_slot(request, session, user, conv)  # only when shared
        # the number a web-chat resident gave for a callback: only for the team that has the chat
        callback_number = await request.config_dict[CALLBACK_PHONES].for_staff(
            session, conv.id, user.staff
        )
        await session.commit()
        data = None if pane else await queue_data(session, user)
        rules = await rules_for(session, user.team_id) if user.team_id and not pane else None
    mine = (
        handover is not None
        and handover.assigned_to == user.id
        and conv.status == Status.WITH_HUMAN
    )
    context: dict[str, Any] = dict(
        conv=conv,
        handover=handover,
        number=handover.id if handover else "",
        can_take=handover is not None and handover.ended_at is None and not handover.assigned_to,
        mine=mine,
        notes=notes,
        outcomes=[(o, present.word("outcome", o)) for o in OUTCOMES],
        quick=[
            {
                "id": q.id,
                "title": q.title,
                "text": canned_text(q.text, view["summary"]["municipality"], user.name),
            }
            for q in quick
        ],
        colleagues=[(c.id, present.person_text(c)) for c in colleagues],
        earlier=earlier,
        labels=list((conv.summary or {}).get("labels") or []),
        plan_html=plan_html,
        callback_number=callback_number,
        **view,
    )
    if pane:
        return page("_chat.html", user, **context)
    assert data is not None
    return page("queue.html", user, data=data, rules=rules, **workspace(data), **context)


def _service(request: web.Request) -> HandoverService:
    return request.config_dict[HANDOVER]


async def _act(request: web.Request, action: str) -> web.Response:
    user = await current_user(request)
    assert user is not None
    form = await request.post()
    async with request.config_dict[keys.DB]() as session:
        conv, handover = await load(request, user, session)
        staff = await session.get(StaffUser, user.id)
        assert staff is not None
        try:
            if action == "take":
                if handover is None or handover.ended_at is not None:
                    raise HandoverError("geen open verzoek")
                await _service(request).take(session, handover.id, staff)
                await settle_crisis(session, conv.id, user.id)
            elif action == "summary":
                text = str(form.get("text") or "").strip()[:4000]
                conv.summary = {
                    **(conv.summary or {}),
                    "edited": {"text": text, "by": staff.name, "at": utcnow().isoformat()}
                    if text
                    else None,
                }
            elif action == "crisis-seen":
                await settle_crisis(session, conv.id, user.id)
            elif action == "labels":
                tags = [t for t in (conv.summary or {}).get("labels") or [] if t]
                add = " ".join(str(form.get("add") or "").split())[:30]
                remove = str(form.get("remove") or "")
                tags = [t for t in tags if t != remove]
                if add and add not in tags:
                    tags.append(add)
                conv.summary = {**(conv.summary or {}), "labels": tags[:12]}
            elif action == "note":
                session.add(
                    Note(
                        conversation_id=conv.id,
                        staff_id=user.id,
                        text=str(form.get("text") or "")[:4000],
                    )
                )
            else:
                if (
                    handover is None
                    or handover.assigned_to != user.id
                    or conv.status != Status.WITH_HUMAN
                ):
                    raise HandoverError("neem het gesprek eerst op")
                if action == "reply":
                    text = str(form.get("text") or "").strip()[:4000]
                    quick_id = str(form.get("quick") or "")
                    if quick_id.isdigit():
                        quick = await session.get(QuickReply, int(quick_id))
                        if quick is None or quick.team_id != user.team_id:
                            raise HandoverError("onbekend standaardantwoord")
                        text = quick.text
                    if text:
                        await _service(request).say(session, conv, staff, text)
                elif action == "transfer":
                    await _service(request).transfer(
                        session, conv, staff, str(form.get("target") or "")
                    )
                elif action == "back":
                    await settle_crisis(session, conv.id, user.id)
                    await _service(request).finish(
                        session, conv, staff, to=Status.BOT, outcome="handed_back"
                    )
                elif action == "close":
                    await settle_crisis(session, conv.id, user.id)
                    outcome = str(form.get("outcome") or "other")
                    await _service(request).finish(
                        session,
                        conv,
                        staff,
                        to=Status.CLOSED,
                        outcome=outcome if outcome in OUTCOMES else "other",
                    )
            audit(
                session,
                actor_id=user.id,
                action=action,
                conversation_id=conv.id,
                origin=request.remote,
            )
            await session.commit()
        except (HandoverError, InvalidTransition) as exc:
            await session.rollback()
            raise web.HTTPConflict(text=str(exc)) from None
    request.config_dict[WAKEUPS].outbox.set()
    if request.headers.get("Accept") == "application/json":
        return web.json_response({"ok": True})
    raise web.HTTPFound(request.app.router["conversation"].url_for(id=conv.id))


def action(name: str):  # type: ignore[no-untyped-def]
    """A POST handler for one action on a conversation."""

    @require_roles(*CHAT_ROLES)
    async def handler(request: web.Request) -> web.Response:
        return await _act(request, name)

    handler.__name__ = f"{name.replace('-', '_')}_post"
    return handler


@require_roles(*CHAT_ROLES)
async def presence_post(request: web.Request) -> web.Response:
    """POST /console/presence: available, away or offline."""
    user = await current_user(request)
    assert user is not None
    value = str((await request.post()).get("presence") or "")
    if value not in PRESENCES:
        raise web.HTTPBadRequest(text="presence must be available, away or offline")
    async with request.config_dict[keys.DB]() as session:
        staff = await session.get(StaffUser, user.id)
        assert staff is not None
        staff.presence = value
        audit(session, actor_id=user.id, action="presence", origin=request.remote)
        await session.commit()
    raise web.HTTPFound(request.app.router["queue"].url_for())


@require_roles(*CHAT_ROLES)
async def alert_seen_post(request: web.Request) -> web.Response:
    """POST /console/alerts/{id}/seen: one person saw it; it leaves everyone's list."""
    user = await current_user(request)
    assert user is not None
    alert_id = request.match_info["id"]
    async with request.config_dict[keys.DB]() as session:
        alert = await session.get(StaffAlert, int(alert_id)) if alert_id.isdigit() else None
        team = await session.get(Team, user.team_id) if user.team_id else None
        mine = {
            a.id
            for a in await open_alerts(session, role=user.role, team=team, is_admin=user.is_admin)
        }
        if alert is None or alert.id not in mine:
            raise web.HTTPNotFound(text="no such alert")
        await mark_seen(session, alert.id, user.id)
        audit(
            session,
            actor_id=user.id,
            action="alert_seen",
            object_ref=f"alert:{alert.id}",
            origin=request.remote,
        )
        await session.commit()
    if request.headers.get("Accept") == "application/json":
        return web.json_response({"ok": True})
    raise web.HTTPFound(request.app.router["queue"].url_for())


@require_roles("team_lead", "admin")
async def rules_post(request: web.Request) -> web.Response:
    """POST /console/rules: a team lead sets the team's waiting and silence limits, and whether
    the team is the 24/7 crisis pool."""
    user = await current_user(request)
    assert user is not None
    if user.team_id is None:
        raise web.HTTPBadRequest(text="rules belong to a team; this account has none")
    form = await request.post()

    def minutes(name: str) -> int | None:
        raw = str(form.get(name) or "")
        return max(1, min(int(raw), 24 * 60)) if raw.isdigit() else None

    async with request.config_dict[keys.DB]() as session:
        await set_rules(
            session,
            user.team_id,
            crisis_pool=bool(form.get("crisis_pool")),
            max_wait_minutes=minutes("max_wait_minutes"),
            silence_minutes=minutes("silence_minutes"),
        )
        audit(session, actor_id=user.id, action="team_rules", origin=request.remote)
        await session.commit()
    raise web.HTTPFound(request.app.router["queue"].url_for())


@require_roles("team_lead", "admin")
async def quick_reply_post(request: web.Request) -> web.Response:
    """POST /console/quick-replies: a team lead adds, edits or removes a ready-made reply."""
    user = await current_user(request)
    assert user is not None
    if user.team_id is None:
        raise web.HTTPBadRequest(text="ready-made replies belong to a team; this account has none")
    form = await request.post()
    title, text = (
        str(form.get("title") or "").strip()[:60],
        str(form.get("text") or "").strip()[:2000],
    )
    reply_id = str(form.get("id") or "")
    async with request.config_dict[keys.DB]() as session:
        row = await session.get(QuickReply, int(reply_id)) if reply_id.isdigit() else None
        if row is not None and row.team_id != user.team_id:
            raise web.HTTPForbidden(text="not your team's reply")
        if form.get("delete") and row is not None:
            await session.delete(row)
        elif title and text:
            row = row or QuickReply(team_id=user.team_id)
            row.title, row.text = title, text
            session.add(row)
        else:
            raise web.HTTPBadRequest(text="title and text are required")
        await session.commit()
    raise web.HTTPFound(request.app.router["queue"].url_for())


def setup_routes(app: web.Application) -> None:
    """Every console route (tests check that each one needs a login)."""
    setup_login_routes(app)
    app.router.add_get("/", queue_page, name="queue")
    app.router.add_get("/api/queue", queue_json)
    app.router.add_get("/ws", live)
    app.router.add_get("/c/{id}", conversation_page, name="conversation")
    app.router.add_get("/media/{id}", media_file, name="media")
    for name in (
        "take",
        "reply",
        "note",
        "back",
        "close",
        "transfer",
        "summary",
        "labels",
        "crisis-seen",
    ):
        app.router.add_post(f"/c/{{id}}/{name}", action(name))
    app.router.add_post("/presence", presence_post)
    app.router.add_post("/alerts/{id}/seen", alert_seen_post)
    app.router.add_post("/rules", rules_post)
    app.router.add_post("/quick-replies", quick_reply_post)
    setup_report_routes(app)
    from bot.console.plan_views import setup_plan_routes  # the resident's plan (issue 20)

    setup_plan_routes(app)
    app.router.add_static("/static", Path(__file__).resolve().parent / "static")
