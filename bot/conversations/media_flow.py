"""Files residents send, in the chat: a letter read and explained, a voice note answered
honestly, and everything kept (sealed) for the person who takes over.

The router calls it in its three steps. ``receive`` runs with no transaction open: it fetches
the file from the channel (or opens the web chat's upload), checks it, and reads a letter in a
worker thread (`asyncio.to_thread`; OCR takes seconds). ``record`` runs in the router's
transaction: it keeps the file with the conversation and enqueues the answers. A file that
fails a check gets a kind answer and nothing is kept.

With the assistant: a photo or PDF is read as a letter; the explanation comes in the
conversation's language with "Klopt dit?" (Ja/Nee), answered by ``answer``. Low confidence
says so and offers a sharper photo or a person. An urgent letter (dagvaarding, beslag,
ontruiming, afsluiting) first says a person can help; a later request for a person is urgent
in the queue and carries the letter's urgency flag (`enrich_handover`). While a person is on
the way or in the chat, the file goes to them unread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import store
from bot.conversations.models import MEDIA, Inbound, Reply
from bot.conversations.presenter import Audience, Presenter, audience
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, Handover
from bot.letters import images, pdf
from bot.letters.errors import LetterError
from bot.letters.explain import after_confirmation, error_reply, explain
from bot.letters.limits import DEFAULT_LIMITS
from bot.letters.read import read_letter
from bot.letters.reading import LetterReading
from bot.media import IMAGE, PDF, VOICE, Media, MediaError, MediaFile, Sniffed, files_of
from bot.staff import StaffUser, Team
from bot.storage.base import utcnow

logger = logging.getLogger(__name__)
READABLE = frozenset({"photo", "image", "document"})  # may be a letter
VOICE_TYPES = frozenset({"voice", "audio"})
URGENCY_FLAGS = {  # a letter's urgent kind as the conversation's urgency (actions/urgency.py)
    "ontruiming": "eviction",
    "afsluiting": "cutoff",
    "beslag": "bailiff",
    "dagvaarding": "bailiff",
}
QUESTION_HOURS = 24  # "Klopt dit?" can be answered this long
Reader = Callable[[bytes, str | None], LetterReading]


def _read(data: bytes, content_type: str | None) -> LetterReading:
    return read_letter(data, content_type, threads=1)


def _guard(data: bytes, sniffed: Sniffed) -> None:
    """The letter reader's own guards for a file only a person will see (PDF bombs, images
    too large to decode); raises LetterError."""
    if sniffed.kind == PDF:
        pdf.guard(data, DEFAULT_LIMITS)
    elif sniffed.kind == IMAGE:
        images.decode(data, DEFAULT_LIMITS)


@dataclass
class Received:
    """What ``receive`` found: the checked bytes and, for a letter, what was read."""

    data: bytes | None = None
    sniffed: Sniffed | None = None
    reading: LetterReading | None = None
    upload_id: str | None = None
    error: MediaError | LetterError | None = None


def reading_json(reading: LetterReading) -> dict[str, Any]:
    """What the conversation keeps of a reading (for the answer, the summary and the console)."""
    return {
        "kind": reading.kind,
        "sender_kind": reading.sender_kind,
        "sender_name": reading.sender_name,
        "amount_due": f"{reading.amount_due:.2f}" if reading.amount_due is not None else None,
        "deadline": reading.deadline.isoformat() if reading.deadline else None,
        "deadline_computed": reading.deadline_computed,
        "event_date": reading.event_date.isoformat() if reading.event_date else None,
        "urgent": reading.urgent,
        "confidence": round(reading.confidence, 2),
        "low_confidence": reading.low_confidence,
    }


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def reading_from_json(data: dict[str, Any]) -> LetterReading:
    """A reading back from what the conversation kept (the fields the answers use)."""
    return LetterReading(
        kind=str(data.get("kind") or "other"),
        sender_kind=str(data.get("sender_kind") or "other"),
        sender_name=data.get("sender_name"),
        amount_due=_amount(data.get("amount_due")),
        deadline=_date(data.get("deadline")),
        deadline_computed=bool(data.get("deadline_computed")),
        event_date=_date(data.get("event_date")),
        urgent=bool(data.get("urgent")),
        iban=None,
        reference=None,
        reference_checked=False,
        has_bsn=False,
        letter_date=None,
        confidence=float(data.get("confidence") or 0.0),
    )


def summary_entry(row: MediaFile, media_type: str | None = None) -> dict[str, Any]:
    """What the handover summary says about one file (the console puts it in words)."""
    entry: dict[str, Any] = {"id": row.id, "kind": row.kind}
    if media_type:
        entry["media_type"] = media_type
    reading = row.reading or {}
    if reading.get("kind") and not reading.get("low_confidence"):
        entry["letter"] = {
            k: reading.get(k) for k in ("kind", "amount_due", "deadline", "event_date", "urgent")
        }
        if reading.get("answer"):
            entry["letter"]["answer"] = reading["answer"]
    return entry


@dataclass
class MediaFlow:
    """The chat flow for residents' files (called by the router; see the module docstring)."""

    media: Media
    presenter: Presenter
    read: Reader = field(default=_read)

    def handles(self, inbound: Inbound) -> bool:
        """True for a photo, document or voice note that carries a file we can fetch."""
        ref = inbound.extra.get("media")
        return (
            inbound.kind == MEDIA
            and isinstance(ref, dict)
            and (inbound.media_type in READABLE or inbound.media_type in VOICE_TYPES)
        )

    # --- 2. receive (no transaction open) ------------------------------------------------------

    async def open_upload(self, session: AsyncSession, inbound: Inbound) -> bytes | None:
        """The bytes of a web chat upload this message names (None: not an upload, or gone)."""
        ref = inbound.extra.get("media") or {}
        if not ref.get("upload"):
            return None
        row = await session.get(MediaFile, str(ref["upload"]))
        if row is None or row.channel != inbound.channel:
            return None
        try:
            return self.media.store.open(row)
        except MediaError:
            return None

    async def receive(self, inbound: Inbound, *, for_bot: bool, upload: bytes | None) -> Received:
        """Fetch and check the file; read it as a letter when the assistant has the chat."""
        ref = dict(inbound.extra.get("media") or {})
        got = Received(upload_id=str(ref["upload"]) if ref.get("upload") else None)
        try:
            if got.upload_id:
                if upload is None:
                    raise MediaError("upload gone", code="unavailable")
                got.data = upload
            else:
                got.data = await self.media.fetch(inbound.channel, ref)
            got.sniffed = await self.media.check(got.data)
            if got.sniffed.kind in (IMAGE, PDF):
                if for_bot:
                    got.reading = await asyncio.to_thread(
                        self.read, got.data, got.sniffed.content_type
                    )
                else:
                    await asyncio.to_thread(_guard, got.data, got.sniffed)
        except (MediaError, LetterError) as exc:
            logger.info(
                "media not kept: channel=%s type=%s reason=%s",
                inbound.channel,
                inbound.media_type,
                getattr(exc, "code", exc.__class__.__name__),
            )
            got.error, got.data = exc, None
        return got

    # --- 3. record (in the router's transaction) -----------------------------------------------

    async def record(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        inbound: Inbound,
        got: Received,
        message_id: int | None,
    ) -> None:
        """Keep the file and answer (the assistant's turn, or a person's chat)."""
        to = audience(conv)
        if got.error is not None or got.data is None or got.sniffed is None:
            await self._drop_upload(session, got)
            reply = self._error_reply(got.error, inbound, to, for_bot=conv.status == Status.BOT)
            self._say(session, conv, identity, reply)
            return
        reading = reading_json(got.reading) if got.reading is not None else None
        if reading is not None and conv.status == Status.BOT:
            reading["asked"] = "unsure" if got.reading and got.reading.low_confidence else "check"
        row = await self._keep(session, conv, inbound, got, message_id, reading)
        if conv.status != Status.BOT:
            await self._for_person(session, conv, identity, inbound, row)
            return
        if got.sniffed.kind == VOICE or got.reading is None:
            self._say(session, conv, identity, self.presenter.reply("utter_media_voice", to))
            return
        for text in explain(got.reading, self.presenter.texts, to.channel, to.language):
            self._say(session, conv, identity, Reply(text.text, text.buttons))

    async def pending(self, session: AsyncSession, conv: Conversation, text: str) -> bool:
        """True when ``text`` answers this conversation's open "Klopt dit?" (or "Nieuwe foto").

        Any other message closes the question: a later Ja/Nee belongs to the assistant.
        """
        row = await self._asked(session, conv)
        if row is None:
            return False
        asked = (row.reading or {}).get("asked")
        if (text == "/affirm" and asked == "check") or text == "/deny":
            return True
        row.reading = {**(row.reading or {}), "asked": None}
        return False

    async def answer(
        self, session: AsyncSession, conv: Conversation, identity: ChannelIdentity, text: str
    ) -> None:
        """The resident pressed Ja or Nee under the explanation (or "Nieuwe foto")."""
        to = audience(conv)
        row = await self._asked(session, conv)
        if row is None or row.reading is None:
            return
        reading = dict(row.reading)
        if reading.get("asked") == "unsure":
            reply = self.presenter.reply("utter_media_new_photo", to)
            reading["answer"] = "new_photo"
        else:
            confirmed = text == "/affirm"
            said = after_confirmation(
                reading_from_json(reading), confirmed, self.presenter.texts, to.language
            )
            reply = Reply(said.text, said.buttons)
            reading["answer"] = "yes" if confirmed else "no"
        reading["asked"] = None
        row.reading = reading
        self._say(session, conv, identity, reply)

    async def enrich_handover(
        self, session: AsyncSession, conv: Conversation, decision: dict[str, Any]
    ) -> dict[str, Any]:
        """A request for a person after an urgent letter is urgent, with the letter's flag."""
        flags = []
        for row in await files_of(session, conv.id):
            reading = row.reading or {}
            if reading.get("urgent") and reading.get("answer") != "no":
                flags.append(URGENCY_FLAGS.get(str(reading.get("kind")), "bailiff"))
        if not flags:
            return decision
        summary = dict(decision.get("summary") or {})
        have = list(summary.get("urgency_flags") or [])
        summary["urgency_flags"] = have + [f for f in dict.fromkeys(flags) if f not in have]
        return {**decision, "urgent": True, "summary": summary}

    async def after_handover(self, session: AsyncSession, conv: Conversation) -> None:
        """The new summary names every file the resident sent so far."""
        rows = await files_of(session, conv.id)
        if rows:
            conv.summary = {**(conv.summary or {}), "media": [summary_entry(r) for r in rows]}

    # --- helpers --------------------------------------------------------------------------------

    def _say(
        self, session: AsyncSession, conv: Conversation, identity: ChannelIdentity, reply: Reply
    ) -> None:
        store.enqueue_reply(session, conv, identity, reply)

    def _error_reply(
        self,
        error: MediaError | LetterError | None,
        inbound: Inbound,
        to: Audience,
        *,
        for_bot: bool,
    ) -> Reply:
        texts = self.presenter.texts
        code = getattr(error, "code", "unavailable")
        if inbound.media_type in VOICE_TYPES and (code == "unsupported" or for_bot):
            # audio we cannot play or fetch: the honest voice answer (typing or a person)
            return self.presenter.reply("utter_media_voice", to)
        if isinstance(error, LetterError):
            said = error_reply(error, texts, to.language)
            return Reply(said.text, said.buttons)
        name = {
            "too_large": "utter_letter_file_too_large",
            "unsupported": "utter_letter_file_unsupported",
            "broken": "utter_letter_file_broken",
        }.get(code, "utter_media_unavailable")
        return self.presenter.reply(name, to)

    async def _keep(
        self,
        session: AsyncSession,
        conv: Conversation,
        inbound: Inbound,
        got: Received,
        message_id: int | None,
        reading: dict[str, Any] | None,
    ) -> MediaFile:
        assert got.data is not None and got.sniffed is not None
        if got.upload_id:
            row = await session.get(MediaFile, got.upload_id)
            if row is not None:
                row.conversation_id, row.message_id, row.owner_hash = conv.id, message_id, None
                row.reading = reading
                return row
        row = self.media.store.add(
            session,
            got.data,
            got.sniffed,
            channel=inbound.channel,
            conversation_id=conv.id,
            message_id=message_id,
            reading=reading,
        )
        await session.flush()
        return row

    async def _drop_upload(self, session: AsyncSession, got: Received) -> None:
        if got.upload_id:
            row = await session.get(MediaFile, got.upload_id)
            if row is not None and row.conversation_id is None:
                await session.delete(row)

    async def _asked(self, session: AsyncSession, conv: Conversation) -> MediaFile | None:
        row = await session.scalar(
            select(MediaFile)
            .where(
                MediaFile.conversation_id == conv.id,
                MediaFile.created_at > utcnow() - timedelta(hours=QUESTION_HOURS),
            )
            .order_by(MediaFile.created_at.desc())
            .limit(1)
        )
        if row is None or not (row.reading or {}).get("asked"):
            return None
        return row

    async def _for_person(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        inbound: Inbound,
        row: MediaFile,
    ) -> None:
        """Kept for the person (not read by the bot); the summary names it."""
        to = audience(conv)
        media = list((conv.summary or {}).get("media") or [])
        media.append(summary_entry(row, inbound.media_type))
        conv.summary = {**(conv.summary or {}), "media": media}
        handover = await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == conv.id, Handover.ended_at.is_(None))
            .order_by(Handover.id.desc())
            .limit(1)
        )
        if conv.status == Status.WITH_HUMAN and handover is not None and handover.assigned_to:
            person = await session.get(StaffUser, handover.assigned_to)
            if person is not None:
                name = self.presenter.author(person, to)["name"]
                reply = self.presenter.reply("utter_media_kept_person", to, name=name)
                self._say(session, conv, identity, reply)
                return
        team = await session.get(Team, handover.team_id) if handover and handover.team_id else None
        team_name = self.presenter.team_name(team, to)
        reply = self.presenter.reply("utter_media_kept_waiting", to, team=team_name)
        self._say(session, conv, identity, reply)
