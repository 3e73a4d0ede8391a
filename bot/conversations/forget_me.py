""" "Verwijder mijn gegevens": the one path that erases a resident and closes the conversation.

The resident asks the assistant (Rasa answers and sends ``forget_me``; the router calls this),
or asks while a person is on the way or in the chat (attending asks to confirm first, then calls
this). Either way the confirmation is enqueued before, so it still goes out; `Erasure` empties
every table in the same transaction, and the retention loop deletes the empty row and Rasa's
copy once the confirmation is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName, record_event
from bot.conversations import store
from bot.conversations.erasure import Erasure, ForgetReport
from bot.conversations.states import Status
from bot.conversations.tables import Conversation
from bot.privacy.pseudonym import pseudonym


@dataclass(frozen=True)
class ForgetMe:
    """Erases a resident's data and closes their conversation (in the caller's transaction)."""

    erasure: Erasure
    pseudonym_key: str

    async def forget(self, session: AsyncSession, conv: Conversation) -> ForgetReport:
        """Erase everything about the resident of ``conv`` and close it, recording the event."""
        conv.summary, conv.handover = None, None
        report = await self.erasure.forget_resident(session, conv)
        store.move(session, conv, Status.CLOSED, "resident", "forget_me")
        await record_event(
            session,
            EventName.CONVERSATION_CLOSED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=pseudonym(self.pseudonym_key, conv.id),
            outcome="forgotten",
        )
        return report
