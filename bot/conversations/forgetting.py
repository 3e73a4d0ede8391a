"""The resident's rights over their data: "verwijder mijn gegevens" and the retention purge.

One module for both, so that what is deleted is listed once: transcripts, channel addresses,
inbox and outbox bodies (and, as they arrive, notes, summaries and Rasa's tracker).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.tables import ChannelIdentity, Conversation, InboxItem, Message, OutboxItem
from bot.storage.base import utcnow


async def forget_identity(session: AsyncSession, conv: Conversation) -> None:
    """The right to be forgotten: delete transcripts and the channel address; keep analytics.

    Replies still waiting in the outbox (the confirmation) keep their own copy of the address
    until they are sent; the outbox worker wipes sent items.
    """
    if conv.identity_id is None:
        return
    identity = await session.get(ChannelIdentity, conv.identity_id)
    conv_ids = (
        await session.scalars(
            select(Conversation.id).where(Conversation.identity_id == conv.identity_id)
        )
    ).all()
    await session.execute(
        update(OutboxItem).where(OutboxItem.conversation_id.in_(conv_ids)).values(message_id=None)
    )
    await session.execute(
        delete(OutboxItem).where(
            OutboxItem.conversation_id.in_(conv_ids), OutboxItem.status != "pending"
        )
    )
    await session.execute(delete(Message).where(Message.conversation_id.in_(conv_ids)))
    if identity is not None:
        await session.execute(
            update(InboxItem)
            .where(InboxItem.sender_hash == identity.external_hash, InboxItem.status == "done")
            .values(body={})
        )
    await session.execute(
        update(Conversation).where(Conversation.id.in_(conv_ids)).values(identity_id=None)
    )
    if identity is not None:
        await session.delete(identity)


async def purge_transcripts(session: AsyncSession, *, older_than_days: int) -> int:
    """Retention: delete messages older than the limit; analytics events stay."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = await session.execute(delete(Message).where(Message.created_at < cutoff))
    await session.execute(update(InboxItem).where(InboxItem.received_at < cutoff).values(body={}))
    return int(result.rowcount or 0)
