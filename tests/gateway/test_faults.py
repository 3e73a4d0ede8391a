"""Faults: Rasa down or slow, the channel answering 429 and 500, the gateway restarted after ack.

No message is lost and none is answered twice.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from bot.conversations.tables import Conversation, Handover, InboxItem, OutboxItem
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.gateway.conftest import TG_SECRET, fixture
from tests.support.queues import wait_settled

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()
DISCLOSURE = TEXTS.render("utter_disclosure").text
# the first reply of a new conversation starts with the disclosure (AI Act art. 50)
BUSY = f"{DISCLOSURE}\n\n{TEXTS.render('utter_gateway_busy').text}"
DEBT = TEXTS.render("utter_debt_help").text.split("\n\n")[0].strip()


def update(update_id: int, text: str, chat_id: int = 5550001) -> dict:
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


async def test_rasa_down_gives_a_kind_message_then_the_answer_once(
    gateway, fakes, rasa_proxy
) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    client = await gateway()
    rasa_proxy.mode = "down"
    assert await post(client, update(7001, "ik heb schulden")) == 200
    first = await telegram.wait_for(1, chat_id=5550001)
    assert first[0]["text"] == BUSY  # within seconds, the resident hears we got the message
    rasa_proxy.mode = "up"  # Rasa is back: the stored message is retried, not lost
    sent = await telegram.wait_for(4, chat_id=5550001)
    texts = [m["text"] for m in sent]
    assert texts.count(BUSY) == 1
    assert sum(DEBT in t for t in texts) == 1


async def test_rasa_slow_is_treated_like_down(gateway, fakes, rasa_proxy) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    client = await gateway()
    rasa_proxy.mode = "slow"  # longer than the gateway's 3 s timeout
    assert await post(client, update(7101, "ik heb schulden", chat_id=5550002)) == 200
    first = await telegram.wait_for(1, chat_id=5550002)
    assert first[0]["text"] == BUSY
    rasa_proxy.mode = "up"
    sent = await telegram.wait_for(4, chat_id=5550002)
    assert sum(DEBT in m["text"] for m in sent) == 1


CRISIS = "ik zie het echt niet meer zitten, ik wil dood"


async def test_a_crisis_while_rasa_is_down_is_answered_at_once_and_goes_to_a_person(
    gateway, fakes, rasa_proxy, db_url
) -> None:  # type: ignore[no-untyped-def]
    """A message the shared crisis rules find certain does not wait for Rasa: the crisis
    answer (113) comes first, the chat goes to a person urgently, and the message is done
    (never sent to Rasa later, so the crisis answer is not given twice)."""
    telegram, _ = fakes
    client = await gateway()
    rasa_proxy.mode = "down"
    chat = 5550009
    assert await post(client, update(7351, CRISIS, chat_id=chat)) == 200
    sent = await telegram.wait_for(3, chat_id=chat)
    assert sent[0]["text"].startswith(DISCLOSURE)
    assert "113" in sent[0]["text"]  # the help before anything else
    await wait_settled(db_url)
    texts = [m["text"] for m in telegram.sent(chat)]
    assert not any(TEXTS.render("utter_gateway_busy").text in t for t in texts)
    async with open_database(db_url) as (_e, factory), factory() as s:
        items = (await s.scalars(select(InboxItem))).all()
        conv = (await s.scalars(select(Conversation))).one()
        handover = (await s.scalars(select(Handover))).one()
    assert [i.status for i in items] == ["done"]
    assert conv.status == "waiting_for_human"
    assert handover.reason == "crisis" and handover.urgent
    assert handover.crisis_kind == "suicide"
    assert (conv.summary or {}).get("crisis") == ["suicide"]
    forwarded = rasa_proxy.forwarded
    rasa_proxy.mode = "up"  # nothing is left for Rasa: the crisis answer is not repeated
    await wait_settled(db_url)
    assert rasa_proxy.forwarded == forwarded
    answers = [t for t in telegram.sent(chat) if "113" in t["text"]]
    assert len(answers) == 1, answers


async def test_a_crisis_in_english_while_rasa_is_down_is_answered_in_english(
    gateway, fakes, rasa_proxy, db_url
) -> None:  # type: ignore[no-untyped-def]
    """The first message of a resident who writes English: the crisis answer, the disclosure
    and the line about a person come in English, as Rasa's language guard would have chosen."""
    telegram, _ = fakes
    client = await gateway()
    rasa_proxy.mode = "down"
    chat = 5550010
    text = "I can't take it anymore, I want to kill myself"
    assert await post(client, update(7361, text, chat_id=chat)) == 200
    sent = await telegram.wait_for(3, chat_id=chat)
    english = TEXTS.render("utter_disclosure", language="en").text
    assert sent[0]["text"].startswith(english), sent[0]
    assert "113" in sent[0]["text"]
    assert sent[1]["text"] == TEXTS.render("utter_handover_crisis", language="en").text
    async with open_database(db_url) as (_e, factory), factory() as s:
        conv = (await s.scalars(select(Conversation))).one()
    assert conv.language == "en"


async def test_telegram_429_is_retried_after_retry_after(gateway, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    telegram.failures = [(429, 1), (500, None)]
    client = await gateway()
    assert await post(client, update(7201, "hoi", chat_id=5550003)) == 200
    sent = await telegram.wait_for(1, chat_id=5550003)
    attempts = [
        m for m, p in telegram.calls if m == "sendMessage" and str(p.get("chat_id")) == "5550003"
    ]
    assert len(attempts) >= 3  # 429, 500, then accepted
    assert sent[0]["text"].startswith(DISCLOSURE)
    assert sent[0]["text"].removeprefix(DISCLOSURE).strip().startswith(("Hoi", "Hallo"))
    await wait_settled(db_url)  # nothing left to send: a second copy would be out by now
    assert len(telegram.sent(5550003)) == len({m["text"] for m in telegram.sent(5550003)})


async def test_whatsapp_429_and_500_are_retried(gateway, fakes) -> None:  # type: ignore[no-untyped-def]
    _, graph = fakes
    graph.failures = [(429, 130429), (500, 131000)]
    client = await gateway()
    from tests.gateway.test_webhooks import post_wa

    assert (await post_wa(client, fixture("wa_msg_sticker"))).status == 200
    sent = await graph.wait_for(1)
    assert graph.attempts >= 3
    assert len(sent) == 1


async def test_restart_between_ack_and_answer_loses_nothing(gateway, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    crashed = await gateway(workers=False)  # acknowledges, but dies before answering
    assert await post(crashed, update(7301, "ik heb schulden", chat_id=5550004)) == 200
    await crashed.close()
    assert telegram.sent(5550004) == []
    async with open_database(db_url) as (_e, factory), factory() as s:
        pending = (await s.scalars(select(InboxItem).where(InboxItem.status == "pending"))).all()
    assert len(pending) == 1  # stored before the 200
    await gateway()  # restarted: the stored message is processed
    sent = await telegram.wait_for(3, chat_id=5550004)
    assert sum(DEBT in m["text"] for m in sent) == 1
    await wait_settled(db_url)  # nothing left to send: a second copy would be out by now
    assert sum(DEBT in m["text"] for m in telegram.sent(5550004)) == 1


async def test_restart_with_replies_in_the_outbox_sends_them_once(gateway, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    telegram.failures = [(500, None)] * 3  # the first app cannot deliver
    first = await gateway()
    assert await post(first, update(7401, "hoi", chat_id=5550005)) == 200
    for _ in range(100):
        async with open_database(db_url) as (_e, factory), factory() as s:
            queued = (await s.scalars(select(OutboxItem))).all()
        if queued:
            break
        await asyncio.sleep(0.1)
    await first.close()
    await gateway()
    await telegram.wait_for(2, chat_id=5550005)  # the greeting is two bubbles
    await wait_settled(db_url)  # nothing left to send: a second copy would be out by now
    texts = [m["text"] for m in telegram.sent(5550005)]
    assert len(texts) == 2 and len(set(texts)) == 2  # each bubble delivered exactly once
