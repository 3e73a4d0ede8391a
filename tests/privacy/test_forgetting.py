"""Forget-me in our tables: after `Erasure.forget_resident` and the sweep, no column of any table holds
the resident's name, address or words; another resident's data stays; analytics stay."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot import schema
from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion
from bot.conversations import store
from bot.conversations.erasure import Erasure
from bot.conversations.models import Reply
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, InboxItem, OutboxItem
from bot.privacy.rasa_tracker import RasaTrackerStore
from bot.storage.base import utcnow
from bot.storage.db import open_database
from tests.privacy.residents import make_resident, outbox_of, seed_resident
from tests.privacy.scan import find_everywhere

CONFIRMATION = "Klaar. Ik heb alles gewist."

ERASURE = Erasure(schema.metadata())  # the app's: every part's tables


async def _forget_like_the_router(factory, resident) -> object:  # type: ignore[no-untyped-def]
    """What the router does in one transaction: the confirmation is enqueued, then forgotten."""
    async with factory() as s:
        item = await s.get(InboxItem, resident.inbox_id)
        conv = await s.get(Conversation, resident.conversation_id)
        identity = await s.get(ChannelIdentity, conv.identity_id)
        store.enqueue_reply(s, conv, identity, Reply(CONFIRMATION))
        report = await ERASURE.forget_resident(s, conv)
        store.move(s, conv, Status.CLOSED, "resident", "forget_me")
        item.status = "done"
        await s.commit()
    return report


async def test_forget_resident_leaves_nothing_but_the_confirmation(
    db_url: str, tmp_path: Path
) -> None:
    jolanda = make_resident("whatsapp", "31687654321", "Jolanda Verbeek", "zebrahaai")
    other = make_resident("telegram", "550044113", "Karel Dijkstra", "olifantvis")
    async with open_database(db_url) as (_e, factory):
        await seed_resident(factory, jolanda)
        await seed_resident(factory, other)
        assert await find_everywhere(db_url, jolanda.secrets)  # the seed really wrote them

        report = await _forget_like_the_router(factory, jolanda)
        assert sorted(report.conversation_ids) == sorted(  # type: ignore[attr-defined]
            [jolanda.conversation_id, jolanda.old_conversation_id]
        )
        assert report.messages >= 4 and report.notes == 1 and report.handovers == 1  # type: ignore[attr-defined]
        assert report.addresses == 1 and report.unanswered == 1  # type: ignore[attr-defined]

        # until it is sent, only the confirmation holds the address (the outbox needs it)
        left = await find_everywhere(db_url, jolanda.secrets)
        assert left == [f"outbox.address = '{jolanda.address}'"], left
        [confirmation] = await outbox_of(factory, jolanda.conversation_id)
        assert confirmation.status == "pending" and CONFIRMATION in confirmation.body["text"]

        async with factory() as s:  # the outbox worker sends it and empties it
            item = await s.get(OutboxItem, confirmation.id)
            assert item is not None
            item.status, item.body, item.address, item.sent_at = "sent", {}, "", utcnow()
            await s.commit()
        tracker = RasaTrackerStore("")
        assert (await ERASURE.sweep(factory, tracker))[0] == 2

        assert await find_everywhere(db_url, jolanda.secrets) == []
        assert await find_everywhere(db_url, [CONFIRMATION]) == []
        async with factory() as s:
            assert await s.get(Conversation, jolanda.conversation_id) is None
            assert await s.scalar(select(func.count()).select_from(AnalyticsEvent)) >= 2
            assert await s.scalar(select(func.count()).select_from(UnansweredQuestion)) == 1
        # the other resident was not touched
        kept = await find_everywhere(db_url, other.secrets)
        for table in ("messages", "notes", "channel_identities", "inbox", "conversations"):
            assert any(line.startswith(f"{table}.") for line in kept), (table, kept)


async def test_sweep_waits_for_the_confirmation_to_be_sent(db_url: str) -> None:
    sanne = make_resident("web", "tok-5fa1c0ffee0000000000000000", "Sanne de Wit", "kiwiboom")
    async with open_database(db_url) as (_e, factory):
        await seed_resident(factory, sanne)
        await _forget_like_the_router(factory, sanne)
        tracker = RasaTrackerStore("")
        assert (await ERASURE.sweep(factory, tracker))[
            0
        ] == 1  # the old conversation: nothing pending
        async with factory() as s:
            conv = await s.get(Conversation, sanne.conversation_id)
            assert conv is not None and conv.identity_id is None and conv.handover is None
            assert conv.status == Status.CLOSED


async def test_forget_without_a_pending_confirmation(db_url: str) -> None:
    """Waiting or with a person, attend may erase first and enqueue the confirmation after."""
    ahmed = make_resident("telegram", "662211009", "Ahmed Bakkali", "regenjas")
    async with open_database(db_url) as (_e, factory):
        await seed_resident(factory, ahmed)
        async with factory() as s:  # the router holds the message being handled
            item = await s.get(InboxItem, ahmed.inbox_id)
            conv = await s.get(Conversation, ahmed.conversation_id)
            assert conv is not None and item is not None
            await ERASURE.forget_resident(s, conv)
            store.move(s, conv, Status.CLOSED, "resident", "forget_me")
            item.status = "done"
            await s.commit()
        assert await outbox_of(factory, ahmed.conversation_id) == []
        assert (await ERASURE.sweep(factory, RasaTrackerStore("")))[0] == 2
        assert await find_everywhere(db_url, ahmed.secrets) == []
