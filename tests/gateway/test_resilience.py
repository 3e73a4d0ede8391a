"""Nothing stops the gateway for good: control characters, poison messages, broken addresses,
channels that are down, polling errors, and /readyz telling a load balancer about it.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.conversations import store
from bot.conversations.models import Reply
from bot.conversations.router import Router
from bot.conversations.tables import ChannelIdentity, InboxItem, Message, OutboxItem
from bot.conversations.worker import OutboxWorker
from bot.health import HEALTH
from bot.staff import StaffAlert
from bot.storage.db import open_database
from bot.texts import TextCatalog
from harness.fakes.telegram import FakeTelegram
from harness.rasa_stack import free_port
from tests.gateway.conftest import TG_SECRET, fixture

TEXTS = TextCatalog.load()
DEBT = TEXTS.render("utter_debt_help").text.split("\n\n")[0].strip()


def update(update_id: int, text: str, chat_id: int) -> dict:
    body = fixture("tg_private_text")
    body["update_id"] = update_id
    body["message"].update(text=text, message_id=update_id)
    body["message"]["chat"]["id"] = chat_id
    body["message"]["from"]["id"] = chat_id
    return body


async def post(client, body) -> int:  # type: ignore[no-untyped-def]
    response = await client.post(
        "/webhooks/telegram",
        data=json.dumps(body),
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    return response.status


async def wait_for(check, timeout: float = 30):  # type: ignore[no-untyped-def]
    """Wait until ``await check()`` is truthy (bounded); return its value."""
    async with asyncio.timeout(timeout):
        while not (value := await check()):
            await asyncio.sleep(0.05)
    return value


async def seed(factory, address: str):  # type: ignore[no-untyped-def]
    async with factory() as s:
        identity = ChannelIdentity(
            channel="telegram", external_hash=f"h-{address}", address=address
        )
        s.add(identity)
        await s.flush()
        conv, _ = await store.open_conversation(s, identity)
        conv.municipality_code = "GM0363"
        store.enqueue_reply(s, conv, identity, Reply("Je consulent heeft gereageerd."))
        await s.commit()
        return conv.id


async def run_outbox(factory, channel, until, **options):  # type: ignore[no-untyped-def]
    worker = OutboxWorker(factory, {"telegram": channel}, **options)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        await wait_for(until, 90)
    finally:
        stop.set()
        await task


# --- at the edge --------------------------------------------------------------------------------


@pytest.mark.rasa
async def test_text_with_nul_and_control_characters_is_cleaned_and_answered(
    gateway, fakes, db_url
) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    client = await gateway()
    assert await post(client, update(9101, "ik heb\x00 schulden\x07\u202e", 5550101)) == 200
    sent = await telegram.wait_for(3, chat_id=5550101)
    assert any(DEBT in m["text"] for m in sent)
    async with open_database(db_url) as (_e, factory), factory() as s:
        stored = await s.scalar(select(Message.text).where(Message.direction == "in"))
    assert stored == "ik heb  schulden"


# --- one slow turn ----------------------------------------------------------------------------


@pytest.mark.rasa
async def test_a_slow_rasa_turn_for_one_resident_does_not_delay_the_others(
    gateway, fakes, rasa_proxy
) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    rasa_proxy.slow_texts = {"mijn vraag is ingewikkeld"}
    client = await gateway(rasa_timeout=30.0)
    assert await post(client, update(9301, "mijn vraag is ingewikkeld", 5550311)) == 200
    for n, chat in enumerate((5550312, 5550313, 5550314)):
        assert await post(client, update(9310 + n, "ik heb schulden", chat)) == 200
    slow = await telegram.wait_for(1, chat_id=5550311, timeout=90)
    others = [telegram.sent(chat) for chat in (5550312, 5550313, 5550314)]
    assert all(others)  # the others were answered while the slow turn was still running
    assert all(o[0]["_t"] < slow[0]["_t"] for o in others)


# --- poison messages ----------------------------------------------------------------------------


@pytest.mark.rasa
async def test_a_poison_message_is_set_aside_visibly_and_the_resident_still_hears_from_us(
    gateway, fakes, db_url, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    original = Router.call

    async def broken_for_one(self, plan):  # type: ignore[no-untyped-def]
        if plan.text == "dit bericht breekt iets":  # a bug that hits this message every time
            raise RuntimeError("bug")
        await original(self, plan)

    monkeypatch.setattr(Router, "call", broken_for_one)
    client = await gateway()
    assert await post(client, update(9201, "dit bericht breekt iets", 5550201)) == 200
    assert await post(client, update(9202, "ik heb schulden", 5550201)) == 200
    sent = await telegram.wait_for(4, chat_id=5550201)
    texts = [m["text"] for m in sent]
    assert TEXTS.render("utter_gateway_set_aside").text in texts[0]
    assert any(DEBT in t for t in texts[1:])  # the next message is not blocked behind it
    async with open_database(db_url) as (_e, factory), factory() as s:
        items = (await s.scalars(select(InboxItem).order_by(InboxItem.id))).all()
        alerts = (await s.scalars(select(StaffAlert))).all()
    assert [i.status for i in items] == ["set_aside", "done"]
    assert items[0].failures == 5 and items[0].last_error == "RuntimeError"
    assert [(a.kind, a.audience) for a in alerts] == [("set_aside", "admin")]


# --- delivery -----------------------------------------------------------------------------------


async def test_a_malformed_chat_id_fails_at_once_with_an_alert(db_url: str) -> None:
    telegram = await FakeTelegram().start()
    channel = TelegramChannel(telegram.token, telegram.base_url)
    await channel.start()
    async with open_database(db_url) as (_e, factory):
        conv_id = await seed(factory, "not-a-chat-id")

        async def settled() -> bool:
            async with factory() as s:
                item = await s.scalar(select(OutboxItem))
                return item.status != "pending"

        await run_outbox(factory, channel, settled, retry_base=0.05)
        async with factory() as s:
            item = await s.scalar(select(OutboxItem))
            message = await s.scalar(select(Message).where(Message.direction == "out"))
            alerts = (await s.scalars(select(StaffAlert))).all()
    await channel.stop()
    await telegram.close()
    assert item.status == "failed" and item.attempts == 1
    assert message.delivery == "failed"
    assert [(a.kind, a.ref, a.municipality_code) for a in alerts] == [
        ("undelivered", conv_id, "GM0363")
    ]


async def test_a_channel_that_is_down_gets_its_replies_when_it_is_back(db_url: str) -> None:
    """A channel that keeps failing (10 minutes in production: retries at most 5 minutes apart
    for 24 hours; here 8 refusals in a row and a retry cap of 0.2 s, the same path) delivers the
    reply once it is back: once, and without an alert."""
    telegram = await FakeTelegram().start()
    channel = TelegramChannel(telegram.token, telegram.base_url)
    channel.pacing = 0.0  # pacing is not what this test is about
    await channel.start()
    async with open_database(db_url) as (_e, factory):
        await seed(factory, "5550301")
        telegram.failures = [(502, None)] * 8

        async def delivered() -> bool:
            return len(telegram.sent("5550301")) >= 1

        await run_outbox(factory, channel, delivered, retry_base=0.05, retry_cap=0.2)
        async with factory() as s:
            item = await s.scalar(select(OutboxItem))
            message = await s.scalar(select(Message).where(Message.direction == "out"))
            alerts = (await s.scalars(select(StaffAlert))).all()
    await channel.stop()
    await telegram.close()
    assert telegram.failures == []  # every refusal was met with another try
    assert item.status == "sent" and item.attempts == 9
    assert message.delivery == "sent" and alerts == []
    assert len(telegram.sent("5550301")) == 1


async def test_a_reply_that_cannot_be_delivered_in_time_is_marked_and_alerted(
    db_url: str,
) -> None:
    telegram = await FakeTelegram().start()
    channel = TelegramChannel(telegram.token, telegram.base_url)
    channel.pacing = 0.0
    await channel.start()
    async with open_database(db_url) as (_e, factory):
        conv_id = await seed(factory, "5550401")
        telegram.down_until = time.monotonic() + 3600  # down for good

        async def settled() -> bool:
            async with factory() as s:
                return (await s.scalar(select(OutboxItem))).status != "pending"

        await run_outbox(
            factory,
            channel,
            settled,
            retry_base=0.05,
            retry_cap=0.2,
            max_age=timedelta(seconds=1.5),
        )
        async with factory() as s:
            item = await s.scalar(select(OutboxItem))
            message = await s.scalar(select(Message).where(Message.direction == "out"))
            alerts = (await s.scalars(select(StaffAlert))).all()
    await channel.stop()
    await telegram.close()
    assert item.status == "failed" and item.attempts >= 1
    assert item.last_error.startswith("still failing after")
    assert message.delivery == "failed"
    assert [(a.kind, a.ref) for a in alerts] == [("undelivered", conv_id)]


# --- polling and readiness ------------------------------------------------------------------------


@pytest.mark.rasa
async def test_telegram_polling_survives_errors_and_loses_no_update(gateway, fakes) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    telegram.get_updates_failures = 3
    telegram.updates = [update(9501, "ik heb schulden", 5550501)]
    await gateway(telegram_mode="polling")
    sent = await telegram.wait_for(3, chat_id=5550501)
    assert any(DEBT in m["text"] for m in sent)


@pytest.mark.rasa
async def test_readyz_tells_when_a_dependency_is_down(gateway) -> None:  # type: ignore[no-untyped-def]
    healthy = await gateway()

    async def status(client) -> int:  # type: ignore[no-untyped-def]
        return (await client.get("/readyz")).status

    assert await wait_for(lambda: _eq(status(healthy), 200), 20)
    body = await (await healthy.get("/readyz")).json()
    assert body["parts"]["database"]["ok"] and body["parts"]["inbox"]["ok"]
    # an instance whose database cannot be reached cannot work: taken out
    broken = await gateway(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    )
    assert await wait_for(lambda: _eq(status(broken), 503), 30)
    body = await (await broken.get("/readyz")).json()
    assert body["parts"]["database"]["ok"] is False and body["parts"]["inbox"]["ok"] is False
    # Redis down is reported but does not take an instance out (counters fall back)
    degraded = await gateway(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert await wait_for(lambda: _json_part(degraded, "redis", False), 30)
    assert await status(degraded) == 200
    assert (await broken.get("/healthz")).status == 200  # alive, just not ready
    assert isinstance(broken.server.app[HEALTH].snapshot(), dict)


async def _eq(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return (await value) == expected


async def _json_part(client, part: str, ok: bool) -> bool:  # type: ignore[no-untyped-def]
    body = await (await client.get("/readyz")).json()
    return part in body["parts"] and body["parts"][part]["ok"] is ok
