"""What a resident's message gets while the conversation is not with the assistant.

States: waiting for a person, with a person (the router sends nothing of these to Rasa). The
router stores the message first and passes the safety layer's screening of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName, record_event
from bot.conversations import store
from bot.conversations.models import Inbound, Reply
from bot.conversations.safety import Screening
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation
from bot.privacy.pseudonym import pseudonym
from bot.texts import TextCatalog

if TYPE_CHECKING:
    from bot.conversations.handover import HandoverService

CANCEL_WORDS = ("/cancel_handover", "toch niet", "laat maar", "annuleer", "stop met wachten")


@dataclass
class Attending:
    """Answers messages typed while a person is on the way or in the chat."""

    texts: TextCatalog
    pseudonym_key: str
    handover: HandoverService | None = None

    def _reply(self, name: str, channel: str, **values: Any) -> Reply:
        text = self.texts.render(name, channel=channel, **values)
        return Reply(text.text, text.buttons)

    async def handle(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        inbound: Inbound,
        screening: Screening,
    ) -> None:
        """Answer (or keep for the person) one stored message; the caller commits."""
        del screening  # not yet used: a crisis while waiting is issue 9
        text = (inbound.payload or inbound.text or "").strip().lower()
        if text in ("/contact_me", "/no_contact") and self.handover is not None:
            reply = await self.handover.consent(session, conv, text == "/contact_me")
            store.enqueue_reply(session, conv, identity, reply, sender_type="system")
        elif conv.status == Status.WAITING_FOR_HUMAN and any(
            text.startswith(w) for w in CANCEL_WORDS
        ):
            store.move(session, conv, Status.BOT, "resident", "cancelled")
            await record_event(
                session,
                EventName.HANDOVER_CANCELLED,
                channel=conv.channel,
                municipality_code=conv.municipality_code,
                conversation_ref=pseudonym(self.pseudonym_key, conv.id),
            )
            store.enqueue_reply(
                session,
                conv,
                identity,
                self._reply("utter_gateway_handover_cancelled", conv.channel),
            )
            if self.handover is not None:
                await self.handover.cancel(session, conv)
