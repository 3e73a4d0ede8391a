"""Outbox and storage rules without Rasa: the 24-hour window, long texts, short callback ids,
flood control and retention — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import schema
from bot.channels.telegram import TelegramChannel
from bot.channels.text import split_text
from bot.channels.whatsapp import build_message
from bot.conversations import store
from bot.conversations.erasure import Erasure
from bot.conversations.models import Reply
from bot.conversations.tables import ChannelIdentity, Conversation, InboxItem, Message, OutboxItem
from bot.conversations.worker import OutboxWorker
from bot.privacy.retention import RetentionPolicy, purge
from bot.storage.base import utcnow
from bot.storage.db import open_database
from harness.fakes.telegram import FakeTelegram
from tests.fakes.graph import FakeGraph


async def seed(factory, channel: str, address: str, last_inbound_hours: float):  # type: ignore[no-untyped-def]
    async with factory() as s:
        identity = ChannelIdentity(channel=channel, external_hash=f"h-{address}", address=address)
        s.add(identity)
        await s.flush()
        conv, _ = await store.open_conversation(s, identity)
        conv.last_inbound_at = utcnow() - timedelta(hours=last_inbound_hours)
        await s.commit()
        return conv.id, identity.id


async def run_outbox(factory, senders, until) -> None:  # type: ignore[no-untyped-def]
    worker = OutboxWorker(factory, senders, retry_base=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(20):
            while not await until():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


async def test_whatsapp_free_text_is_never_sent_after_24_hours(db_url: str) -> None:
    graph = await FakeGraph().start()
    import aiohttp

    from bot.channels.whatsapp import WhatsAppChannel

    async with open_database(db_url) as (_e, factory), aiohttp.ClientSession() as http:
        old_id, _ = await seed(factory, "whatsapp", "to:31600000001", last_inbound_hours=25)
        new_id, _ = await seed(factory, "whatsapp", "to:31600000002", last_inbound_hours=1)
        async with factory() as s:
            for conv_id in (old_id, new_id):
                conv = await s.get(Conversation, conv_id)
                identity = await s.get(ChannelIdentity, conv.identity_id)
                store.enqueue_reply(s, conv, identity, Reply("Je consulent heeft gereageerd."))
            await s.commit()
        channel = WhatsAppChannel(http, graph.base_url, graph.phone_number_id, graph.token)

        async def done() -> bool:
            async with factory() as s:
                return not (
                    await s.scalar(
                        select(func.count())
                        .select_from(OutboxItem)
                        .where(OutboxItem.status == "pending")
                    )
                )

        await run_outbox(factory, {"whatsapp": channel}, done)
        async with factory() as s:
            statuses = {
                i.conversation_id: i.status for i in (await s.scalars(select(OutboxItem))).all()
            }
    await graph.close()
    assert statuses == {old_id: "needs_template", new_id: "sent"}
    assert [m["to"] for m in graph.sent] == ["31600000002"]


async def test_long_text_is_split_and_long_payloads_get_short_callback_ids(db_url: str) -> None:
    telegram = await FakeTelegram().start()
    channel = TelegramChannel(telegram.token, telegram.base_url)
    await channel.start()
    long_payload = '/inform_location{"municipality": "GM0417", "note": "' + "x" * 80 + '"}'
    text = ("Dit is een zin. " * 400).strip()
    async with open_database(db_url) as (_e, factory):
        conv_id, _ = await seed(factory, "telegram", "5551234", last_inbound_hours=0)
        async with factory() as s:
            conv = await s.get(Conversation, conv_id)
            identity = await s.get(ChannelIdentity, conv.identity_id)
            store.enqueue_reply(s, conv, identity, Reply(text, (("Laren", long_payload),)))
            await s.commit()

        async def done() -> bool:
            return len(telegram.sent()) >= 2

        await run_outbox(factory, {"telegram": channel}, done)
        sent = telegram.sent()
        data = sent[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        assert len(data.encode()) <= 64
        async with factory() as s:
            assert await store.expand_payload(s, data) == long_payload
            message = await s.scalar(select(Message).where(Message.direction == "out"))
            assert message.delivery == "sent"
    await channel.stop()
    await telegram.close()
    assert all(len(m["text"]) <= 4096 for m in sent)
    assert " ".join(m["text"] for m in sent) == text


def test_split_text_keeps_every_character() -> None:
    text = "a" * 5000 + "\n" + "b. " * 2000
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_whatsapp_buttons_and_lists_fit_the_limits() -> None:
    three = Reply(
        "Kies",
        (("Hulp in de buurt", "/a"), ("Praten met iemand", "/b"), ("Iets anders vragen", "/c")),
    )
    body = build_message("to:316", three, three.text)
    assert body["interactive"]["type"] == "button"
    long_titles = Reply("Kies", (("Hardinxveld-Giessendam", "/x"), ("Alphen aan den Rijn", "/y")))
    body = build_message("recipient:US.1", long_titles, long_titles.text)
    assert body["interactive"]["type"] == "list" and body["recipient"] == "US.1"
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert all(len(r["title"]) <= 24 for r in rows)


async def test_retention_deletes_old_transcripts_but_keeps_analytics(db_url: str) -> None:
    from bot.analytics import EventName, record_event

    async with open_database(db_url) as (_e, factory):
        conv_id, _ = await seed(factory, "web", "tok-retention-000000000000", last_inbound_hours=0)
        async with factory() as s:
            s.add(
                Message(
                    conversation_id=conv_id,
                    direction="in",
                    sender_type="contact",
                    text="oud",
                    data={},
                    created_at=utcnow() - timedelta(days=91),
                )
            )
            s.add(
                Message(
                    conversation_id=conv_id,
                    direction="in",
                    sender_type="contact",
                    text="nieuw",
                    data={},
                )
            )
            await record_event(s, EventName.MESSAGE_RECEIVED, topic="debt_help")
            await s.commit()
            removed = (await purge(s, Erasure(schema.metadata()), RetentionPolicy(90))).messages
            await s.commit()
            texts = [m.text for m in (await s.scalars(select(Message))).all()]
            from bot.analytics.tables import AnalyticsEvent

            events = await s.scalar(select(func.count()).select_from(AnalyticsEvent))
    assert removed == 1 and texts == ["nieuw"] and events == 1


@pytest.mark.rasa
async def test_flood_control_slows_down_but_never_drops(gateway, db_url) -> None:  # type: ignore[no-untyped-def]
    import json

    from bot.conversations.intake import FLOOD_MAX
    from tests.gateway.conftest import TG_SECRET, fixture

    client = await gateway(workers=False)
    for i in range(FLOOD_MAX + 5):
        body = fixture("tg_private_text")
        body["update_id"] = 80000 + i
        body["message"]["message_id"] = 80000 + i
        response = await client.post(
            "/webhooks/telegram",
            data=json.dumps(body),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status == 200  # acknowledged, so Telegram does not retry
        again = await client.post(  # a redelivery of the same update never counts
            "/webhooks/telegram",
            data=json.dumps(body),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert again.status == 200
    async with open_database(db_url) as (_e, factory), factory() as s:
        items = (await s.scalars(select(InboxItem).order_by(InboxItem.id))).all()
    assert len(items) == FLOOD_MAX + 5  # every message kept
    later = [i for i in items if i.next_attempt_at > i.received_at + timedelta(seconds=1)]
    assert [i.id for i in later] == [i.id for i in items[FLOOD_MAX:]]  # the extra ones wait
    assert later == sorted(later, key=lambda i: i.next_attempt_at)  # in order
    assert [i.body.get("flood_notice") for i in items].count(True) == 1  # one kind notice
