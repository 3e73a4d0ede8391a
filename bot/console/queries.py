"""What the console reads: the queue in words, who is there, one conversation's view.

Used by the pages (views.py) and the live socket (live.py) alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import present
from bot.console.media import files_by_message, sent_lines
from bot.conversations import store
from bot.conversations.assignment import is_open
from bot.conversations.tables import Conversation, Handover, Message
from bot.conversations.waiting import queue_order
from bot.staff import CHAT_ROLES, StaffAlert, StaffUser, Team, User, mark_seen, open_alerts
from bot.staff.access import needs_reason
from bot.storage.base import utcnow


def visible(user: User, handover: Handover | None) -> bool:
    """Each person sees only their own team's (municipality's or pool's) conversations."""
    if user.is_admin:
        return True
    return (
        handover is not None and handover.team_id is not None and handover.team_id == user.team_id
    )


async def new_messages(session: AsyncSession, handover: Handover) -> int:
    """Resident messages the person with the chat has not seen yet (typed while waiting, too)."""
    query = (
        select(func.count())
        .select_from(Message)
        .where(Message.conversation_id == handover.conversation_id, Message.direction == "in")
    )
    if handover.seen_message_id is not None:
        query = query.where(Message.id > handover.seen_message_id)
    else:
        query = query.where(Message.created_at >= handover.requested_at)
    return int(await session.scalar(query) or 0)


async def queue_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything the queue page shows, in words: rows, callbacks, alerts, who is there."""
    now = utcnow()
    rows = (
        await session.execute(
            select(Handover, Conversation)
            .join(Conversation, Conversation.id == Handover.conversation_id)
            .where(Handover.ended_at.is_(None))
            .order_by(*queue_order())
        )
    ).all()
    staff = {s.id: s for s in (await session.scalars(select(StaffUser))).all()}
    out, callbacks = [], []
    for handover, conv in rows:
        if not visible(user, handover):
            continue
        out.append(
            present.queue_row(
                handover,
                conv,
                now=now,
                assignee=staff.get(handover.assigned_to or 0),
                new_count=await new_messages(session, handover),
                viewer_id=user.id,
            )
        )
        if handover.contact_consent and handover.assigned_to is None:
            callbacks.append(present.callback_view(handover, conv, now))
    callbacks.sort(key=lambda c: c["due_at"])
    team = await session.get(Team, user.team_id) if user.team_id else None
    raw = await open_alerts(session, role=user.role, team=team, is_admin=user.is_admin)
    open_chats = {conv.id: (handover, conv) for handover, conv in rows if visible(user, handover)}
    # an alert about a conversation that was erased or has no open request any more is gone
    existing = set(
        (
            await session.scalars(
                select(Conversation.id).where(
                    Conversation.id.in_({a.ref for a in raw if a.ref and len(a.ref) == 36})
                )
            )
        ).all()
    )
    raw = [a for a in raw if not (a.ref and len(a.ref) == 36 and a.ref not in existing)]
    alerts = [present.alert_view(a) for a in raw if a.kind != "crisis" or a.ref in open_chats]
    crises = [
        present.crisis_view(
            *open_chats[ref],
            now=now,
            assignee=staff.get(open_chats[ref][0].assigned_to or 0),
            viewer_id=user.id,
        )
        for ref in dict.fromkeys(a.ref for a in raw if a.kind == "crisis" and a.ref in open_chats)
    ]
    return {
        "rows": out,
        "callbacks": callbacks,
        "alerts": alerts,
        "crises": crises,
        "crisis": bool(crises),
        "team": await team_presence(session, user, staff),
    }


async def settle_crisis(session: AsyncSession, conversation_id: str, staff_id: int) -> None:
    """The crisis of a conversation is handled (taken, seen, closed): its banner goes."""
    for alert in (
        await session.scalars(
            select(StaffAlert).where(
                StaffAlert.kind == "crisis",
                StaffAlert.ref == conversation_id,
                StaffAlert.seen_at.is_(None),
            )
        )
    ).all():
        await mark_seen(session, alert.id, staff_id)


async def team_presence(
    session: AsyncSession, user: User, staff: dict[int, StaffUser]
) -> dict[str, Any]:
    """Who of the team is there now, honestly: nobody is 'beschikbaar' when the team is closed."""
    now = utcnow()
    teams = {t.id: t for t in (await session.scalars(select(Team))).all()}
    open_chats = dict(
        (
            await session.execute(
                select(Handover.assigned_to, func.count())
                .where(Handover.ended_at.is_(None), Handover.assigned_to.is_not(None))
                .group_by(Handover.assigned_to)
            )
        ).all()
    )
    people = sorted(
        (
            p
            for p in staff.values()
            if p.role in CHAT_ROLES and (user.is_admin or p.team_id == user.team_id)
        ),
        key=lambda p: p.name,
    )
    lines = []
    for p in people:
        team = teams.get(p.team_id or 0)
        team_open = team is not None and is_open(team.opening_hours or {}, now)
        lines.append(
            present.L(
                "console.team.person",
                name=p.name,
                role=present.role_text(p.role),
                presence=present.presence_word(p.presence, team, team_open),
                chats=int(open_chats.get(p.id, 0)),
                max_chats=p.max_chats,
            )
        )
    own = teams.get(user.team_id or 0)
    closed = own is not None and not is_open(own.opening_hours or {}, now)
    return {"people": lines, "closed": present.L("console.team.closed_now") if closed else ""}


async def load_by_id(
    session: AsyncSession, user: User, conversation_id: str, *, reason: bool = True
) -> tuple[Conversation, Handover | None] | None:
    """A conversation and its latest handover, or None when missing, not this user's team, or
    (an admin outside their own team) no reason given yet: `reason_gate` asks for it."""
    conv = await session.get(Conversation, conversation_id)
    if conv is None:
        return None
    handover = await session.scalar(
        select(Handover)
        .where(Handover.conversation_id == conv.id)
        .order_by(Handover.id.desc())
        .limit(1)
    )
    if not visible(user, handover):
        return None
    if reason and await needs_reason(
        session, user, conv.id, handover.team_id if handover else None
    ):
        return None
    return conv, handover


async def conversation_view(
    session: AsyncSession, conv: Conversation, handover: Handover | None, user: User
) -> dict[str, Any]:
    """Summary and transcript in words; the person with the chat has now seen every message."""
    messages = await store.transcript(session, conv.id)
    staff = {s.id: s for s in (await session.scalars(select(StaffUser))).all()}
    items = [
        present.message_view(
            m,
            staff,
            new_after=handover.seen_message_id if handover else None,
            requested_at=handover.requested_at if handover else None,
        )
        for m in messages
    ]
    files = await files_by_message(session, conv.id)
    for item in items:  # images inline, PDFs as a link, voice notes in a player
        item["files"] = files.get(item["id"], [])
    if handover is not None and handover.assigned_to == user.id and messages:
        handover.seen_message_id = messages[-1].id
    summary = present.summary_view(conv, handover, utcnow(), messages)
    summary["sent"] = sent_lines(conv.summary or (conv.handover or {}).get("summary"))
    return {
        "summary": summary,
        "messages": items,
        "last_id": messages[-1].id if messages else 0,
        "taken_by": present.L(
            "console.conversation.taken_by_other", name=staff[handover.assigned_to].name
        )
        if handover
        and handover.assigned_to
        and handover.assigned_to != user.id
        and handover.assigned_to in staff
        else "",
    }


async def earlier_chats(
    session: AsyncSession, user: User, conv: Conversation
) -> list[dict[str, Any]]:
    """The same resident's other conversations (same channel address pseudonym) that still
    exist (the purge removes them after the retention period) and that this person may see."""
    if conv.identity_id is None:
        return []
    others = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.identity_id == conv.identity_id, Conversation.id != conv.id)
            .order_by(Conversation.created_at.desc())
            .limit(20)
        )
    ).all()
    out = []
    for other in others:
        handover = await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == other.id)
            .order_by(Handover.id.desc())
            .limit(1)
        )
        if not visible(user, handover):
            continue
        out.append(present.earlier_view(other, handover))
    return out
