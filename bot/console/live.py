"""The console's live socket: the queue, alerts and an open chat, pushed when they change.

One socket per open page (Origin checked, per user). It looks at the database every second,
so it works the same with several gateways. It says what is new ("new_chat", "new_message",
"crisis") so the page can make itself noticed, and it closes when the person logs out or the
session expires. Typing goes both ways without content: {"type": "typing", "on": …} while the
watched chat's resident types, and the person's {"type": "typing"} from the composer of a chat
they have (bot/conversations/typing.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from aiohttp import WSMsgType, web
from sqlalchemy import func, select

from bot import keys
from bot.console import present
from bot.console.queries import conversation_view, load_by_id, queue_data
from bot.conversations.keys import TYPING
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Message
from bot.staff import CHAT_ROLES, COOKIE, StaffSession, User, current_user, require_roles
from bot.storage.base import utcnow

POLL_SECONDS = 1.0
SESSION_GONE = 4401  # close code: logged out or expired
STAFF_TYPING_EVERY = 3.0  # seconds: at most one typing event per console socket this often


async def session_alive(request: web.Request) -> bool:
    """True while the browser's staff session exists and has not expired."""
    sid = request.cookies.get(COOKIE)
    if not sid:
        return False
    async with request.config_dict[keys.DB]() as session:
        row = await session.get(StaffSession, sid)
        return row is not None and row.expires_at > utcnow()


def changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """What became new between two snapshots of the queue: a chat, a message, a crisis."""
    if before is None:
        return []
    events = []
    old_rows = {r["handover_id"]: r for r in before["rows"]}
    if any(r["handover_id"] not in old_rows for r in after["rows"]):
        events.append("new_chat")
    if any(
        r["new_count"] > old_rows[r["handover_id"]]["new_count"]
        for r in after["rows"]
        if r["handover_id"] in old_rows
    ):
        events.append("new_message")
    old_crisis = {a["id"] for a in before["alerts"] if a["crisis"]}
    if any(a["crisis"] and a["id"] not in old_crisis for a in after["alerts"]):
        events.append("crisis")
    return events


async def conversation_update(
    request: web.Request, user: User, conversation_id: str, after_id: int, status: str
) -> tuple[list[dict[str, Any]], str, int]:
    """New messages of a watched conversation, its status in words, the last message id
    (the transcript is only read again when something changed)."""
    async with request.config_dict[keys.DB]() as session:
        found = await load_by_id(session, user, conversation_id)
        if found is None:
            return [], "", after_id
        conv, handover = found
        last = await session.scalar(
            select(func.max(Message.id)).where(Message.conversation_id == conv.id)
        )
        if int(last or 0) <= after_id and present.word("status", conv.status) == status:
            return [], status, after_id
        view = await conversation_view(session, conv, handover, user)
        await session.commit()
    items = [m for m in view["messages"] if m["id"] > after_id]
    return items, view["summary"]["status"], view["last_id"]


async def typing_state(request: web.Request, conversation_id: str) -> bool:
    """True while the resident of this (authorised, watched) conversation is typing."""
    return await request.config_dict[TYPING].resident_is_typing(conversation_id)


@dataclass
class StaffTyping:
    """When this socket last passed the person's typing on (the page sends it every few s)."""

    last: float = -STAFF_TYPING_EVERY


async def staff_typing(
    request: web.Request, user: User, conversation_id: str, throttle: StaffTyping
) -> bool:
    """The person types in the composer of a chat they have: show it to the resident."""
    now = time.monotonic()
    if now - throttle.last < STAFF_TYPING_EVERY:
        return False
    throttle.last = now
    async with request.config_dict[keys.DB]() as session:
        found = await load_by_id(session, user, conversation_id)
        if found is None:
            return False
        conv, handover = found
        if (
            handover is None
            or handover.assigned_to != user.id
            or conv.status != Status.WITH_HUMAN
            or conv.identity_id is None
        ):
            return False
        identity = await session.get(ChannelIdentity, conv.identity_id)
        if identity is None:
            return False
        channel, address = identity.channel, identity.address
    return await request.config_dict[TYPING].staff_typing(channel, address)


@require_roles(*CHAT_ROLES)
async def live(request: web.Request) -> web.WebSocketResponse:
    """GET /console/ws: queue snapshots and, after {"type": "watch", "id": …}, a chat's messages."""
    origin = request.headers.get("Origin") or ""
    settings = request.config_dict[keys.SETTINGS]
    if urlparse(origin).netloc not in {urlparse(settings.public_url).netloc, request.host}:
        raise web.HTTPForbidden(text="origin not allowed")
    user = await current_user(request)
    assert user is not None
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    last: dict[str, Any] | None = None
    last_text = ""
    watched: str | None = None
    after_id = 0
    status = ""
    typing = False
    throttle = StaffTyping()
    while not ws.closed:
        if not await session_alive(request):
            await ws.close(code=SESSION_GONE, message=b"session ended")
            break
        async with request.config_dict[keys.DB]() as session:
            snapshot = await queue_data(session, user)
        text = json.dumps(snapshot, sort_keys=True)
        if text != last_text:
            events = changes(last, snapshot)
            await ws.send_str(json.dumps({"type": "queue", **snapshot, "events": events}))
            last, last_text = snapshot, text
        if watched:
            items, now_status, after_id = await conversation_update(
                request, user, watched, after_id, status
            )
            if items:
                await ws.send_str(json.dumps({"type": "messages", "items": items}))
            typing_now = bool(now_status) and await typing_state(request, watched)
            if typing_now != typing:
                await ws.send_str(json.dumps({"type": "typing", "on": typing_now}))
                typing = typing_now
            if now_status != status:
                await ws.send_str(
                    json.dumps(
                        {
                            "type": "status",
                            "label": present.L(
                                "console.conversation.live_status", status=now_status
                            ),
                        }
                    )
                )
                status = now_status
        try:
            msg = await ws.receive(timeout=POLL_SECONDS)
        except TimeoutError:
            continue
        except asyncio.CancelledError:
            break
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.ERROR):
            break
        if msg.type == WSMsgType.TEXT:
            try:
                data = json.loads(msg.data)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("type") == "watch":
                watched = str(data.get("id") or "")[:36] or None
                after_id = (
                    int(data.get("after") or 0) if str(data.get("after") or "0").isdigit() else 0
                )
                status = ""
                typing = False
            elif isinstance(data, dict) and data.get("type") == "typing" and watched:
                await staff_typing(request, user, watched, throttle)
    return ws
