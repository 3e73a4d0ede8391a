"""A phone number for a promised callback in the web chat: asked, checked, confirmed, sealed.

The web chat can only answer a resident who opens the chat again, so when a callback is promised
the resident may give a phone number instead (bot/conversations/attending.py asks). The number
is checked with `phonenumbers` (Dutch numbers as people type them, or international with +),
sealed with the media key bound to its row, and visible only to the team that has the chat,
after the resident confirmed it. It is deleted when the request ends (handed back, closed,
cancelled), by forget-me and by retention (bot/conversations/erasure.py deletes every table
with a ``conversation_id``). It never reaches Rasa, the logs or the transcript.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import CallbackPhone, ConversationEvent, Handover
from bot.media import MediaCipher, MediaError
from bot.staff import StaffUser
from bot.storage.base import utcnow

REGION = "NL"
ASKED = "callback.phone_asked"  # the event: the web chat asked for a number
DONE = "callback.phone_done"  # the event: a number was confirmed or declined
_DIGITS = re.compile(r"\d")
MIN_DIGITS = 6  # fewer digits: no attempt at a phone number (an ordinary message)


def looks_like_number(text: str) -> bool:
    """True when a message is an attempt at a phone number (digits, no more than a few words)."""
    return len(_DIGITS.findall(text or "")) >= MIN_DIGITS


def parse_number(text: str) -> str | None:
    """The number in E.164 ("+31612345678") when it is a valid phone number, else None."""
    candidate = (text or "").strip()
    try:
        number = phonenumbers.parse(candidate, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def readable(e164: str) -> str:
    """The number as people dial it: national for Dutch numbers, international for others."""
    number = phonenumbers.parse(e164, REGION)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@dataclass(frozen=True)
class CallbackPhones:
    """Keeps a resident's callback number sealed, for the team of the chat only."""

    cipher: MediaCipher

    async def asked(self, session: AsyncSession, handover: Handover) -> bool:
        """True while the chat waits for the resident's number (asked, not yet done)."""
        rows = (
            await session.execute(
                select(ConversationEvent.name, ConversationEvent.data).where(
                    ConversationEvent.conversation_id == handover.conversation_id,
                    ConversationEvent.name.in_((ASKED, DONE)),
                )
            )
        ).all()
        names = {name for name, data in rows if (data or {}).get("handover") == handover.id}
        return ASKED in names and DONE not in names

    async def keep(self, session: AsyncSession, handover: Handover, e164: str) -> CallbackPhone:
        """Seal a checked number for this request (not visible until the resident confirms)."""
        await self.drop(session, handover.conversation_id)
        row_id = str(uuid.uuid4())
        row = CallbackPhone(
            id=row_id,
            conversation_id=handover.conversation_id,
            handover_id=handover.id,
            sealed=self.cipher.seal(e164.encode(), row_id),
        )
        session.add(row)
        return row

    async def confirm(self, session: AsyncSession, handover: Handover) -> str | None:
        """The resident confirmed: the team may see and call the number; returns it readable."""
        row = await self._row(session, handover.conversation_id)
        if row is None:
            return None
        number = self._open(row)
        if not number:
            return None
        row.consent_at = utcnow()
        return readable(number)

    async def drop(self, session: AsyncSession, conversation_id: str) -> None:
        """Delete the conversation's number (declined, or the request ended)."""
        await session.execute(
            delete(CallbackPhone).where(CallbackPhone.conversation_id == conversation_id)
        )

    async def for_staff(
        self, session: AsyncSession, conversation_id: str, staff: StaffUser
    ) -> str | None:
        """The confirmed number, only for a member of the team that has the open request."""
        handover = await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == conversation_id, Handover.ended_at.is_(None))
            .order_by(Handover.id.desc())
            .limit(1)
        )
        if handover is None or handover.team_id is None or staff.team_id != handover.team_id:
            return None
        row = await self._row(session, conversation_id)
        if row is None or row.consent_at is None or row.handover_id != handover.id:
            return None
        number = self._open(row)
        return readable(number) if number else None

    async def _row(self, session: AsyncSession, conversation_id: str) -> CallbackPhone | None:
        return await session.scalar(
            select(CallbackPhone)
            .where(CallbackPhone.conversation_id == conversation_id)
            .order_by(CallbackPhone.created_at.desc())
            .limit(1)
        )

    def _open(self, row: CallbackPhone) -> str:
        try:
            return self.cipher.open(row.sealed, row.id).decode()
        except MediaError:  # sealed with another key: as if there were no number
            return ""
