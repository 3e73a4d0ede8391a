"""Residents' files in the console: the summary line, the transcript's images, PDF links and
voice players, and the one route that serves a file.

Only the team that has the conversation (its latest handover's team) sees a file; anyone else
gets 403, an administrator of another team too. Every request for a file, allowed or not, is
written to the audit log (ids only). Files are served with no-store caching and nosniff.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keys
from bot.console.present import L, labels, word
from bot.conversations.tables import Conversation, Handover
from bot.media import IMAGE, PDF, VOICE, MediaError, MediaFile, files_of
from bot.media.keys import MEDIA
from bot.staff import CHAT_ROLES, User, audit, current_user, require_roles
from bot.storage.base import utcnow

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip


def _date(value: Any) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return ""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return text if day.year == utcnow().year else f"{text} {day.year}"


def _amount(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    whole, cents = f"{amount:.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return L("media.amount", amount=f"{'.'.join(groups)},{cents}")


def sent_line(entry: dict[str, Any]) -> str:
    """One file of the summary in words: "1 foto van een brief: aanmaning, € 120,00, uiterlijk
    12 januari"."""
    kind = word("media.kind", str(entry.get("kind") or ""))
    letter = entry.get("letter")
    if not isinstance(letter, dict) or not letter.get("kind"):
        return L("media.one", kind=kind)
    details = [word("media.letter_kind", str(letter["kind"]))]
    if letter.get("amount_due"):
        details.append(_amount(letter["amount_due"]))
    if letter.get("deadline"):
        details.append(L("media.deadline", date=_date(letter["deadline"])))
    if letter.get("event_date"):
        details.append(L("media.event", date=_date(letter["event_date"])))
    if letter.get("urgent"):
        details.append(L("media.urgent"))
    answer = labels().get(f"media.answer.{letter.get('answer')}") if letter.get("answer") else ""
    if answer:
        details.append(answer)
    return L("media.letter", kind=kind, details=", ".join(d for d in details if d))


def sent_lines(summary: dict[str, Any] | None) -> list[str]:
    """Every file the summary names, in words."""
    return [sent_line(e) for e in (summary or {}).get("media") or [] if isinstance(e, dict)]


def file_url(media_id: str) -> str:
    """The console's route for one file (its random id; the conversation follows from it)."""
    return f"/console/media/{media_id}"


async def files_by_message(session: AsyncSession, conv_id: str) -> dict[int, list[dict[str, str]]]:
    """The conversation's files by the message that carried them, as the transcript shows them."""
    shown: dict[int, list[dict[str, str]]] = {}
    for row in await files_of(session, conv_id):
        if row.message_id is None:
            continue
        label = {
            IMAGE: L("media.image_alt"),
            PDF: L("media.open_pdf"),
            VOICE: L("media.voice_label"),
        }.get(row.kind, word("media.kind", None))
        shown.setdefault(row.message_id, []).append(
            {"kind": row.kind, "url": file_url(row.id), "label": label}
        )
    return shown


def may_view(user: User, handover: Handover | None) -> bool:
    """Only the team that has the chat (its latest handover's team), administrators included."""
    return (
        handover is not None and handover.team_id is not None and handover.team_id == user.team_id
    )


@require_roles(*CHAT_ROLES)
async def media_file(request: web.Request) -> web.Response:
    """GET /console/media/{id}: one file a resident sent, audited."""
    user = await current_user(request)
    assert user is not None
    store = request.config_dict[MEDIA].store
    async with request.config_dict[keys.DB]() as session:
        row = await session.get(MediaFile, request.match_info["id"])
        conv = (
            await session.get(Conversation, row.conversation_id)
            if row and row.conversation_id
            else None
        )
        if conv is None or row is None:
            raise web.HTTPNotFound(text=L("media.not_found"))
        handover = await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == conv.id)
            .order_by(Handover.id.desc())
            .limit(1)
        )
        allowed = may_view(user, handover)
        audit(
            session,
            actor_id=user.id,
            action="media_viewed",
            conversation_id=conv.id,
            object_ref=f"media:{row.id}",
            result="ok" if allowed else "denied",
            origin=request.remote,
        )
        await session.commit()
        if not allowed:
            raise web.HTTPForbidden(text=L("media.forbidden"))
        try:
            data = store.open(row)
        except MediaError:
            raise web.HTTPNotFound(text=L("media.not_found")) from None
        content_type = row.content_type
        kind = row.kind
    filename = {IMAGE: "foto", PDF: "brief.pdf", VOICE: "spraakbericht.ogg"}.get(kind, "bestand")
    return web.Response(
        body=data,
        content_type=content_type,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{filename}"',
            "Referrer-Policy": "no-referrer",
            # a file is never a page: nothing in it runs (browsers' PDF viewers still work)
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; "
            "style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'",
        },
    )
