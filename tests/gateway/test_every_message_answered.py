"""Every message answered: text that is not valid Unicode (a lone surrogate, a NUL) is cleaned at
the edge of every channel and answered once; a message set aside still gets the resident a line.

Real webhooks and the web-chat socket on both backends, with the real Rasa behind them.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from bot.conversations import store
from bot.conversations.tables import InboxItem, Message, OutboxItem
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.gateway.conftest import TG_SECRET, fixture, sign

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()
DEBT = TEXTS.render("utter_debt_help").text.split("\n\n")[0].strip()
SET_ASIDE = TEXTS.render("utter_gateway_set_aside").text
# JSON allows a lone surrogate escape; json.dumps keeps it as the six characters \ud800
BROKEN = "ik heb schulden \ud800\x00"
CLEANED = "ik heb schulden \ufffd"


async def settled(factory, count: int = 1) -> list[InboxItem]:  # type: ignore[no-untyped-def]
    """Wait until ``count`` inbox items are no longer pending (bounded)."""
    async with asyncio.timeout(60):
        while True:
            async with factory() as s:
                items = (await s.scalars(select(InboxItem).order_by(InboxItem.id))).all()
            if len(items) >= count and all(i.status != "pending" for i in items):
                return list(items)
            await asyncio.sleep(0.05)


async def stored_texts(factory) -> list[str]:  # type: ignore[no-untyped-def]
    async with factory() as s:
        return list(await s.scalars(select(Message.text).where(Message.direction == "in")))


async def all_sent(factory) -> int:  # type: ignore[no-untyped-def]
    """Wait until the reply is in the outbox and every item of it went out; how many there are."""
    async with asyncio.timeout(60):
        while True:
            async with factory() as s:
                statuses = list(await s.scalars(select(OutboxItem.status)))
            if statuses and all(status == "sent" for status in statuses):
                return len(statuses)
            await asyncio.sleep(0.05)


async def test_telegram_lone_surrogate_and_nul_are_cleaned_and_answered_once(
    gateway, fakes, db_url
) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    client = await gateway()
    body = fixture("tg_private_text")
    body["update_id"] = 9601
    body["message"].update(text=BROKEN, message_id=9601)
    body["message"]["chat"]["id"] = body["message"]["from"]["id"] = 5550601
    raw = json.dumps(body)
    assert "\\ud800" in raw and "\\u0000" in raw
    response = await client.post(
        "/webhooks/telegram", data=raw, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    )
    assert response.status == 200
    async with open_database(db_url) as (_e, factory):
        items = await settled(factory)
        assert [i.status for i in items] == ["done"]
        assert await stored_texts(factory) == [CLEANED]
        bubbles = await all_sent(factory)
    sent = telegram.sent(5550601)
    assert len(sent) == bubbles  # each bubble once
    assert sum(DEBT in m["text"] for m in sent) == 1
    assert not any(SET_ASIDE in m["text"] for m in sent)


async def test_whatsapp_lone_surrogate_and_nul_are_cleaned_and_answered_once(
    gateway, fakes, db_url
) -> None:  # type: ignore[no-untyped-def]
    _, graph = fakes
    client = await gateway()
    body = fixture("wa_msg_text")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = BROKEN
    message["id"] = "wamid.broken\ud800"  # the id too: it becomes a unique key
    raw = json.dumps(body).encode()
    response = await client.post(
        "/webhooks/whatsapp",
        data=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw)},
    )
    assert response.status == 200
    async with open_database(db_url) as (_e, factory):
        items = await settled(factory)
        assert [i.status for i in items] == ["done"]
        assert await stored_texts(factory) == [CLEANED]
        bubbles = await all_sent(factory)
    assert len(graph.sent) == bubbles
    texts = [
        (m.get("text") or {}).get("body") or m["interactive"]["body"]["text"] for m in graph.sent
    ]
    assert sum(DEBT in t for t in texts) == 1
    assert not any(SET_ASIDE in t for t in texts)


async def test_web_chat_lone_surrogate_and_nul_are_cleaned_and_answered_once(
    gateway, db_url
) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    origin = f"http://{client.host}:{client.port}"
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": None})
    seen: list[dict] = []

    async def receive_until(predicate) -> None:  # type: ignore[no-untyped-def]
        async with asyncio.timeout(60):
            while not any(predicate(d) for d in seen):
                seen.append(json.loads((await ws.receive()).data))

    await receive_until(lambda d: d["type"] == "welcome")
    # the socket's text frame carries the JSON escape, as a browser would send it
    await ws.send_str(json.dumps({"type": "message", "id": "m1", "text": BROKEN}))
    await receive_until(lambda d: DEBT in d.get("text", ""))
    async with open_database(db_url) as (_e, factory):
        items = await settled(factory)
        assert [i.status for i in items] == ["done"]
        assert await stored_texts(factory) == [CLEANED]
        bubbles = await all_sent(factory)
    await receive_until(lambda d: sum(x["type"] == "message" for x in seen) >= bubbles)
    await ws.close()
    replies = [d for d in seen if d["type"] == "message"]
    assert len(replies) == bubbles
    assert sum(DEBT in d["text"] for d in replies) == 1
    assert not any(SET_ASIDE in d["text"] for d in replies)


async def test_a_message_that_fails_before_it_is_stored_is_set_aside_and_still_answered(
    gateway, fakes, db_url, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A bug that breaks storing the message itself (so no conversation is recorded for it):
    after five failures it is set aside, and the resident still hears that a person looks."""
    telegram, _ = fakes
    original = store.add_inbound_message

    async def broken(session, conv, inbound, data):  # type: ignore[no-untyped-def]
        if "breekt de opslag" in inbound.text:
            raise RuntimeError("bug")
        return await original(session, conv, inbound, data)

    monkeypatch.setattr(store, "add_inbound_message", broken)
    client = await gateway()
    body = fixture("tg_private_text")
    body["update_id"] = 9701
    body["message"].update(text="dit bericht breekt de opslag", message_id=9701)
    body["message"]["chat"]["id"] = body["message"]["from"]["id"] = 5550701
    response = await client.post(
        "/webhooks/telegram",
        data=json.dumps(body),
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    assert response.status == 200
    async with open_database(db_url) as (_e, factory):
        (item,) = await settled(factory)
        assert await all_sent(factory) == 1
    sent = telegram.sent(5550701)
    assert len(sent) == 1 and SET_ASIDE in sent[0]["text"]
    assert item.status == "set_aside" and item.failures == 5
