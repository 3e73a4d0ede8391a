"""Console views: queue, one conversation (summary, transcript, notes), and actions.

Thin handlers: authorisation here, use cases in bot/conversations/handover.py. Every opening of
a conversation is written to the audit log. What a resident typed is shown as text (Jinja2
autoescape), never executed.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from aiohttp import WSMsgType, web
from sqlalchemy import func, select

from bot import keys
from bot.console.login_views import setup_login_routes
from bot.console.rendering import render
from bot.console.tables import QuickReply
from bot.conversations import store
from bot.conversations.handover import HandoverError
from bot.conversations.states import InvalidTransition, Status
from bot.conversations.tables import Conversation, Handover, Note
from bot.staff import CHAT_ROLES, StaffUser, User, audit, current_user, require_roles
from bot.storage.base import utcnow

OUTCOMES = ("referred", "appointment_made", "advice_given", "no_show", "other")


def visible(user: User, handover: Handover | None) -> bool:
    """Each person sees only their own team's (municipality's or pool's) conversations."""
    if user.is_admin:
        return True
    return (
        handover is not None and handover.team_id is not None and handover.team_id == user.team_id
    )


async def queue_rows(request: web.Request, user: User) -> list[dict[str, Any]]:
    """Open handovers for this user: urgent first, then the longest waiting."""
    async with request.config_dict[keys.DB]() as session:
        rows = (
            await session.execute(
                select(Handover, Conversation)
                .join(Conversation, Conversation.id == Handover.conversation_id)
                .where(Handover.ended_at.is_(None))
                .order_by(Handover.urgent.desc(), Handover.requested_at)
            )
        ).all()
    now = utcnow()
    out = []
    for handover, conv in rows:
        if not visible(user, handover):
            continue
        summary = (conv.handover or {}).get("summary") or {}
        out.append(
            {
                "id": conv.id,
                "handover_id": handover.id,
                "urgent": handover.urgent,
                "reason": handover.reason,
                "kind": handover.kind or "",
                "channel": conv.channel,
                "waiting_minutes": int((now - handover.requested_at).total_seconds() // 60),
                "taken": handover.assigned_to is not None,
                "mine": handover.assigned_to == user.id,
                "topics": summary.get("topics") or [],
                "urgency_flags": summary.get("urgency_flags") or [],
                "municipality": summary.get("municipality_name") or conv.municipality_code or "",
                "out_of_hours": handover.out_of_hours,
            }
        )
    return out


@require_roles()
async def queue_page(request: web.Request) -> web.Response:
    """GET /console/: waiting and taken conversations (analysts go on to the dashboard)."""
    user = await current_user(request)
    assert user is not None
    if user.role not in CHAT_ROLES:
        raise web.HTTPFound("/dashboard/")  # the landing page after login for analysts
    return render(
        "queue.html",
        user=user,
        rows=await queue_rows(request, user),
        team=await team_presence(request, user),
    )


PRESENCE_NL = {"available": "beschikbaar", "away": "even weg", "offline": "offline"}


async def team_presence(request: web.Request, user: User) -> list[dict[str, Any]]:
    """Who of the team is online now, and how many chats each has open (admins: everyone)."""
    async with request.config_dict[keys.DB]() as session:
        query = select(StaffUser).where(StaffUser.role.in_(CHAT_ROLES)).order_by(StaffUser.name)
        if not user.is_admin:
            query = query.where(StaffUser.team_id == user.team_id)
        people = (await session.scalars(query)).all()
        open_chats = dict(
            (
                await session.execute(
                    select(Handover.assigned_to, func.count())
                    .where(Handover.ended_at.is_(None), Handover.assigned_to.is_not(None))
                    .group_by(Handover.assigned_to)
                )
            ).all()
        )
    return [
        {
            "name": p.name,
            "role": p.role,
            "presence": PRESENCE_NL.get(p.presence, p.presence),
            "chats": int(open_chats.get(p.id, 0)),
            "max_chats": p.max_chats,
        }
        for p in people
    ]


@require_roles(*CHAT_ROLES)
async def queue_json(request: web.Request) -> web.Response:
    """GET /console/api/queue."""
    user = await current_user(request)
    assert user is not None
    return web.json_response(await queue_rows(request, user))


async def _load(
    request: web.Request, user: User, session: Any
) -> tuple[Conversation, Handover | None]:
    conv = await session.get(Conversation, request.match_info["id"])
    if conv is None:
        raise web.HTTPNotFound(text="not found")
    handover = await session.scalar(
        select(Handover)
        .where(Handover.conversation_id == conv.id)
        .order_by(Handover.id.desc())
        .limit(1)
    )
    if not visible(user, handover):
        raise web.HTTPForbidden(text="not your team's conversation")
    return conv, handover


@require_roles(*CHAT_ROLES)
async def conversation_page(request: web.Request) -> web.Response:
    """GET /console/c/{id}: summary, transcript, notes; the opening is audited."""
    user = await current_user(request)
    assert user is not None
    async with request.config_dict[keys.DB]() as session:
        conv, handover = await _load(request, user, session)
        audit(
            session,
            actor_id=user.id,
            action="opened",
            conversation_id=conv.id,
            origin=request.remote,
        )
        messages = await store.transcript(session, conv.id)
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
        await session.commit()
    return render(
        "conversation.html",
        user=user,
        conv=conv,
        handover=handover,
        summary=(conv.handover or {}).get("summary") or {},
        messages=messages,
        notes=notes,
        outcomes=OUTCOMES,
        quick=quick,
        colleagues=colleagues,
    )


def _service(request: web.Request) -> Any:
    return request.config_dict[keys.EXTRA]["handover"]


async def _act(request: web.Request, action: str) -> web.Response:
    user = await current_user(request)
    assert user is not None
    form = await request.post()
    async with request.config_dict[keys.DB]() as session:
        conv, handover = await _load(request, user, session)
        staff = await session.get(StaffUser, user.id)
        assert staff is not None
        try:
            if action == "take":
                if handover is None:
                    raise HandoverError("geen open verzoek")
                await _service(request).take(session, handover.id, staff)
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
                elif action == "note":
                    session.add(
                        Note(
                            conversation_id=conv.id,
                            staff_id=user.id,
                            text=str(form.get("text") or "")[:4000],
                        )
                    )
                elif action == "back":
                    await _service(request).finish(
                        session, conv, staff, to=Status.BOT, outcome="handed_back"
                    )
                elif action == "close":
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
    request.config_dict[keys.OUTBOX].wake.set()  # type: ignore[attr-defined]
    if request.headers.get("Accept") == "application/json":
        return web.json_response({"ok": True})
    raise web.HTTPFound(request.app.router["conversation"].url_for(id=conv.id))


def action(name: str):  # type: ignore[no-untyped-def]
    """A POST handler for one action on a conversation."""

    @require_roles(*CHAT_ROLES)
    async def handler(request: web.Request) -> web.Response:
        return await _act(request, name)

    handler.__name__ = f"{name}_post"
    return handler


@require_roles(*CHAT_ROLES)
async def presence_post(request: web.Request) -> web.Response:
    """POST /console/presence: available, away or offline."""
    user = await current_user(request)
    assert user is not None
    value = str((await request.post()).get("presence") or "")
    if value not in ("available", "away", "offline"):
        raise web.HTTPBadRequest(text="presence must be available, away or offline")
    async with request.config_dict[keys.DB]() as session:
        staff = await session.get(StaffUser, user.id)
        assert staff is not None
        staff.presence = value
        await session.commit()
    raise web.HTTPFound(request.app.router["queue"].url_for())


@require_roles(*CHAT_ROLES)
async def live(request: web.Request) -> web.WebSocketResponse:
    """GET /console/ws: the queue, pushed when it changes (Origin checked, per user)."""
    origin = request.headers.get("Origin") or ""
    settings = request.config_dict[keys.SETTINGS]
    if urlparse(origin).netloc not in {urlparse(settings.public_url).netloc, request.host}:
        raise web.HTTPForbidden(text="origin not allowed")
    user = await current_user(request)
    assert user is not None
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    last = None
    while not ws.closed:
        rows = await queue_rows(request, user)
        snapshot = json.dumps(rows, sort_keys=True)
        if snapshot != last:
            await ws.send_str(json.dumps({"type": "queue", "rows": rows}))
            last = snapshot
        try:
            msg = await ws.receive(timeout=2)
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
                break
        except TimeoutError:
            continue
        except asyncio.CancelledError:
            break
    return ws


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
    for name in ("take", "reply", "note", "back", "close", "transfer"):
        app.router.add_post(f"/c/{{id}}/{name}", action(name))
    app.router.add_post("/presence", presence_post)
    app.router.add_post("/quick-replies", quick_reply_post)
    app.router.add_static("/static", Path(__file__).resolve().parent / "static")
