"""A resident with everything a conversation can leave behind, written the way the gateway does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analytics import record_event, record_unanswered
from bot.conversations import store
from bot.conversations.models import Inbound, Reply
from bot.conversations.states import Status
from bot.conversations.tables import (
    Conversation,
    Handover,
    InboxItem,
    Message,
    Note,
    OutboxItem,
    SenderRate,
)
from bot.staff import StaffUser, Team
from bot.storage.base import utcnow


@dataclass
class Resident:
    """What we wrote for one resident, and the strings that must disappear."""

    channel: str
    address: str
    sender_hash: str
    name: str
    code_word: str
    conversation_id: str = ""
    old_conversation_id: str = ""
    inbox_id: int = 0

    @property
    def secrets(self) -> list[str]:
        return [self.address, self.name, self.code_word, self.name.split()[-1]]


def make_resident(channel: str, address: str, name: str, code_word: str) -> Resident:
    digest = hashlib.sha256(f"{channel}:{address}".encode()).hexdigest()
    return Resident(channel, address, digest, name, code_word)


def _inbound(r: Resident, key: str, text: str) -> Inbound:
    return Inbound(
        channel=r.channel,
        dedupe_key=key,
        sender=r.address,
        address=r.address,
        text=text,
        channel_message_id=f"{r.channel}-{key}",
    )


async def seed_resident(
    factory: async_sessionmaker[AsyncSession],
    r: Resident,
    *,
    age: timedelta = timedelta(0),
    municipality_code: str | None = None,
) -> Resident:
    """An earlier closed conversation and a current one with a person: messages both ways,
    a note, a handover and its summary, events, a processed inbox item, outbox items in every
    state, a flood counter, an unanswered question and analytics."""
    then = utcnow() - age
    first_name = r.name.split()[0]
    async with factory() as s:
        team = Team(name=f"team {r.sender_hash[:6]}", municipality_codes=[], kinds=["counsellor"])
        s.add(team)
        await s.flush()
        staff = StaffUser(
            email=f"{r.sender_hash[:10]}@test.nl",
            name="Kim",
            role="counsellor",
            team_id=team.id,
            password_hash="x",
        )
        s.add(staff)
        await s.flush()
        identity = await store.identity_for(s, r.channel, r.sender_hash, r.address)
        old = Conversation(
            id=f"old-{r.sender_hash[:20]}",
            identity_id=identity.id,
            channel=r.channel,
            status=Status.CLOSED,
            municipality_code=municipality_code,
            created_at=then - timedelta(days=3),
            last_activity_at=then - timedelta(days=3),
            closed_at=then - timedelta(days=3),
        )
        s.add(old)
        s.add(
            Message(
                conversation_id=old.id,
                direction="in",
                sender_type="contact",
                text=f"hoi ik ben {r.name.lower()}, het wachtwoord is {r.code_word}",
                created_at=then - timedelta(days=3),
            )
        )
        conv, _new = await store.open_conversation(s, identity)
        conv.municipality_code = municipality_code
        question = f"ik ben {r.name} en ik heb een vraag over {r.code_word}"
        await store.add_inbound_message(
            s, conv, _inbound(r, f"{r.sender_hash[:8]}-1", question), {"kind": "text"}
        )
        asked = await record_unanswered(
            s,
            question,
            municipality_code=municipality_code,
            channel=r.channel,
            intent_guess="nlu_fallback",
            confidence=0.2,
        )
        asked.occurred_at = then
        await record_event(s, "message.received", channel=r.channel, topic="debt_help")
        conv.handover = {
            "reason": "asked",
            "summary": {"topics": ["debt_help"], "said": f"{r.name} belde over {r.code_word}"},
        }
        store.move(s, conv, Status.WAITING_FOR_HUMAN, "bot", "asked")
        s.add(
            Handover(
                conversation_id=conv.id,
                team_id=team.id,
                reason="asked",
                kind="counsellor",
                assigned_to=staff.id,
            )
        )
        store.move(s, conv, Status.WITH_HUMAN, "staff:1", "taken")
        _msg, sent = store.enqueue_reply(
            s, conv, identity, Reply(f"Dag {first_name}, ik bel je zo op je nummer {r.address}.")
        )
        _msg, failed = store.enqueue_reply(s, conv, identity, Reply(f"Gaat het, {first_name}?"))
        await s.flush()
        sent.status, sent.body, sent.address, sent.sent_at = "sent", {}, "", utcnow()
        failed.status, failed.last_error = "failed", "recipient gone"
        s.add(
            Note(conversation_id=conv.id, staff_id=staff.id, text=f"{r.name}, code {r.code_word}")
        )
        s.add(SenderRate(sender_hash=r.sender_hash, window_start=0.0, count=2))
        await s.flush()
        for row in s.identity_map.values():  # everything happened ``age`` ago
            for column in ("created_at", "requested_at", "last_activity_at", "last_inbound_at"):
                if getattr(row, column, None) is not None and row is not old:
                    setattr(row, column, then)
        await s.commit()
        r.conversation_id, r.old_conversation_id = conv.id, old.id
    # an earlier message, processed; then the request being handled now (still pending)
    earlier = _inbound(r, f"{r.sender_hash[:8]}-0", f"mijn naam is {r.name}")
    assert await store.accept_inbound(factory, earlier, r.sender_hash)
    current = _inbound(
        r, f"{r.sender_hash[:8]}-2", f"ik ben {r.name}, wis alles over {r.code_word}"
    )
    assert await store.accept_inbound(factory, current, r.sender_hash)
    async with factory() as s:
        ids = (
            await s.scalars(
                select(InboxItem.id)
                .where(InboxItem.sender_hash == r.sender_hash)
                .order_by(InboxItem.id)
            )
        ).all()
        row = await s.get(InboxItem, ids[0])
        assert row is not None
        row.status = "done"
        for item_id in ids:
            item = await s.get(InboxItem, item_id)
            assert item is not None
            item.received_at = then
        r.inbox_id = ids[-1]
        await s.commit()
    return r


async def outbox_of(factory: async_sessionmaker[AsyncSession], conv_id: str) -> list[OutboxItem]:
    """The outbox items of a conversation."""
    async with factory() as s:
        return list(
            (await s.scalars(select(OutboxItem).where(OutboxItem.conversation_id == conv_id))).all()
        )
