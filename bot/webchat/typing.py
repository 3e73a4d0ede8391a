"""The web chat's typing events: a resident typing reaches the console as "… typt", and a
person typing in the console reaches the page (bot/webchat/hub.py: `WebChatHub.typing`).

The page sends {"type": "typing"} at most every few seconds while the resident types; the
socket takes one per `EVERY` seconds, and only marks a conversation that a person has or is
coming to (nobody watches the assistant's chats). No text, nothing stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import select

from bot import keys
from bot.conversations.keys import INTAKE, TYPING
from bot.conversations.models import Inbound
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation

EVERY = 2.5  # seconds: at most one typing event per socket this often
WATCHED = (Status.WAITING_FOR_HUMAN, Status.WITH_HUMAN)


@dataclass
class TypingThrottle:
    """When this socket last passed a typing event on."""

    last: float = -EVERY


async def resident_typing(request: web.Request, token: str, throttle: TypingThrottle) -> bool:
    """Mark the resident's conversation as "typing" (throttled); True when marked."""
    now = time.monotonic()
    if now - throttle.last < EVERY:
        return False
    throttle.last = now
    inbound = Inbound(channel="web", dedupe_key="-", sender=token, address=token)
    digest = request.config_dict[INTAKE].sender_hash(inbound)
    async with request.config_dict[keys.DB]() as session:
        conversation_id = await session.scalar(
            select(Conversation.id)
            .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
            .where(
                ChannelIdentity.channel == "web",
                ChannelIdentity.external_hash == digest,
                Conversation.status.in_(WATCHED),
            )
            .limit(1)
        )
    if conversation_id is None:
        return False
    await request.config_dict[TYPING].resident_typing(conversation_id)
    return True
