"""One optional question after a person closed the chat (CSAT), and the resident's answer.

Asked once per conversation, right after the closing line, only when a person closed it and
never after a crisis. The answer is a button (`/csat_good`, `/csat_ok`, `/csat_bad`); it is taken
here before a new conversation would start, kept without content or link to the resident
(`CsatAnswer`: score, team, person, channel, day) and thanked. A typed message is not an answer
(skipping is simply not tapping): it starts a new conversation as always.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import store
from bot.conversations.models import Inbound
from bot.conversations.presenter import Presenter, audience
from bot.conversations.states import Status
from bot.conversations.tables import (
    ChannelIdentity,
    Conversation,
    ConversationEvent,
    CsatAnswer,
    Handover,
)
from bot.storage.base import utcnow

SCORES = {"/csat_good": 3, "/csat_ok": 2, "/csat_bad": 1}
ASKED, ANSWERED = "csat.asked", "csat.answered"


async def _has_event(session: AsyncSession, conv: Conversation, name: str) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ConversationEvent.conversation_id == conv.id, ConversationEvent.name == name
                )
            )
        )
    )


async def had_crisis(session: AsyncSession, conv: Conversation) -> bool:
    """True when anything in this conversation was a crisis (certain or possible)."""
    crisis_handover = exists().where(
        Handover.conversation_id == conv.id,
        or_(
            Handover.reason == "crisis",
            Handover.crisis_kind.is_not(None),
            Handover.crisis_at.is_not(None),
            Handover.possible_crisis_at.is_not(None),
        ),
    )
    if await session.scalar(select(crisis_handover)):
        return True
    return await _has_event(session, conv, "crisis.answered")


async def ask(
    session: AsyncSession,
    presenter: Presenter,
    conv: Conversation,
    identity: ChannelIdentity,
    handover: Handover | None,
    staff_id: int,
) -> bool:
    """Ask the one question after a person closed the chat; False when it is not asked
    (asked before in this conversation, or a crisis)."""
    if await _has_event(session, conv, ASKED) or await had_crisis(session, conv):
        return False
    store.enqueue_reply(
        session,
        conv,
        identity,
        presenter.reply("utter_csat_ask", audience(conv)),
        sender_type="system",
    )
    store.add_event(
        session,
        conv,
        ASKED,
        f"staff:{staff_id}",
        team_id=handover.team_id if handover else None,
        staff_id=staff_id,
    )
    return True


async def take_answer(
    session: AsyncSession, presenter: Presenter, identity: ChannelIdentity, inbound: Inbound
) -> Conversation | None:
    """The resident tapped an answer to the question: keep it (once) and thank them, in the
    closed conversation it belongs to. None: not an answer to a question we asked (the message
    goes its usual way)."""
    score = SCORES.get(inbound.payload or "")
    if score is None:
        return None
    conv = await session.scalar(
        select(Conversation)
        .where(Conversation.identity_id == identity.id)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    if conv is None or conv.status != Status.CLOSED:
        return None
    asked = await session.scalar(
        select(ConversationEvent)
        .where(ConversationEvent.conversation_id == conv.id, ConversationEvent.name == ASKED)
        .limit(1)
    )
    if asked is None:
        return None
    message = await store.add_inbound_message(session, conv, inbound, {"kind": inbound.kind})
    if message is None:  # the same tap again (a redelivery)
        return conv
    if not await _has_event(session, conv, ANSWERED):
        session.add(
            CsatAnswer(
                score=score,
                team_id=asked.data.get("team_id"),
                staff_id=asked.data.get("staff_id"),
                channel=conv.channel,
                answered_on=utcnow().date(),
            )
        )
        store.add_event(session, conv, ANSWERED, "resident")  # no score: not tied to the chat
    store.enqueue_reply(
        session, conv, identity, presenter.reply("utter_csat_thanks", audience(conv))
    )
    return conv
