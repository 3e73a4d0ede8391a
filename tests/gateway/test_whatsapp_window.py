"""WhatsApp after the 24-hour window: the municipality's approved template first, the reply when
the resident answers. The fake Graph API checks the template request as Meta documents it and
refuses free text to a closed window (131047)."""

from __future__ import annotations

import asyncio
import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.conversations import store
from bot.conversations.keys import WAKEUPS
from bot.conversations.models import Reply
from bot.conversations.tables import (
    ChannelIdentity,
    Conversation,
    Message,
    OutboxItem,
    WhatsAppTemplate,
)
from bot.storage.base import utcnow
from bot.storage.db import open_database
from tests.gateway.conftest import fixture
from tests.gateway.test_webhooks import post_wa

pytestmark = pytest.mark.rasa
WA_ID = "972987654321"
TEMPLATE_TEXT = "Er is een nieuw bericht voor je van {{1}}. Stuur een bericht om het te lezen."


def text_message(wamid: str, text: str) -> dict:
    body = copy.deepcopy(fixture("wa_msg_text"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"], message["text"] = wamid, {"body": text}
    return body


async def drained(factory) -> None:  # type: ignore[no-untyped-def]
    """Wait until every queued reply went out."""
    async with asyncio.timeout(60):
        while True:
            async with factory() as s:
                pending = await s.scalar(select(OutboxItem).where(OutboxItem.status == "pending"))
            if pending is None:
                return
            await asyncio.sleep(0.1)


def body_text(sent: dict) -> str:
    if sent["type"] == "text":
        return sent["text"]["body"]
    if sent["type"] == "interactive":
        return sent["interactive"]["body"]["text"]
    return f"template:{sent['template']['name']}"


async def test_after_24_hours_the_template_goes_first_and_the_reply_when_they_answer(
    gateway, fakes, db_url
) -> None:  # type: ignore[no-untyped-def]
    _, graph = fakes
    graph.templates = {"geldhulp_nieuw_bericht": ("nl", 1)}
    client = await gateway()
    assert (await post_wa(client, text_message("wamid.first", "hoi"))).status == 200
    await graph.wait_for(1)
    async with open_database(db_url) as (_e, factory):
        await drained(factory)
        async with factory() as s:
            conv = await s.scalar(select(Conversation))
            conv.last_inbound_at = utcnow() - timedelta(hours=25)  # a day has passed
            conv.municipality_code = "GM0363"
            identity = await s.get(ChannelIdentity, conv.identity_id)
            s.add(
                WhatsAppTemplate(
                    municipality_code="GM0363",
                    name="geldhulp_nieuw_bericht",
                    language="nl",
                    parameters=["Geldhulp Amsterdam"],
                    body_text=TEMPLATE_TEXT.replace("{{1}}", "Geldhulp Amsterdam"),
                )
            )
            store.enqueue_reply(
                s, conv, identity, Reply("Ik heb je vraag bekeken."), sender_type="human"
            )
            await s.commit()
        graph.closed.add(WA_ID)
        before = len(graph.sent)
        client.server.app[WAKEUPS].outbox.set()
        sent = await graph.wait_for(before + 1)
        template = sent[before]
        assert template["type"] == "template" and template["to"] == WA_ID
        assert template["template"] == {
            "name": "geldhulp_nieuw_bericht",
            "language": {"code": "nl"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Geldhulp Amsterdam"}]}
            ],
        }
        async with asyncio.timeout(30):  # the send is recorded just after the fake got it
            while True:
                async with factory() as s:
                    waiting = await s.scalar(
                        select(OutboxItem).where(OutboxItem.status == "awaiting_reply")
                    )
                if waiting is not None:
                    break
                await asyncio.sleep(0.05)
        async with factory() as s:
            shown = next(
                m
                for m in (await s.scalars(select(Message).where(Message.direction == "out"))).all()
                if (m.data or {}).get("template")
            )
        assert waiting is not None  # the free text waits for the resident
        assert "Geldhulp Amsterdam" in shown.text  # staff see what went out
        # the resident answers: the window is open again, the reply goes out, then the answer
        graph.closed.discard(WA_ID)
        assert (await post_wa(client, text_message("wamid.second", "ja"))).status == 200
        sent = await graph.wait_for(before + 3)
    texts = [body_text(m) for m in sent[before:]]
    assert texts[0] == "template:geldhulp_nieuw_bericht"
    assert texts[1] == "Ik heb je vraag bekeken."
    assert len(texts) >= 3  # and then the assistant's answer to "ja"
    assert graph.attempts == len(graph.sent)  # no free text was ever refused


async def test_without_an_approved_template_the_reply_is_marked_and_alerted(
    gateway, fakes, db_url
) -> None:  # type: ignore[no-untyped-def]
    from bot.staff import StaffAlert

    _, graph = fakes
    client = await gateway()
    assert (await post_wa(client, text_message("wamid.third", "hoi"))).status == 200
    await graph.wait_for(1)
    async with open_database(db_url) as (_e, factory):
        await drained(factory)
        first = len(graph.sent)
        async with factory() as s:
            conv = await s.scalar(select(Conversation))
            conv.last_inbound_at = utcnow() - timedelta(hours=30)
            identity = await s.get(ChannelIdentity, conv.identity_id)
            store.enqueue_reply(s, conv, identity, Reply("Ben je er nog?"), sender_type="human")
            await s.commit()
        client.server.app[WAKEUPS].outbox.set()
        async with asyncio.timeout(30):
            while True:
                async with factory() as s:
                    item = await s.scalar(select(OutboxItem).order_by(OutboxItem.id.desc()))
                if item.status != "pending":
                    break
                await asyncio.sleep(0.1)
        async with factory() as s:
            message = await s.get(Message, item.message_id)
            alerts = (await s.scalars(select(StaffAlert))).all()
    assert item.status == "needs_template" and message.delivery == "failed"
    assert [a.kind for a in alerts] == ["undelivered"]
    assert len(graph.sent) == first  # never free text after the window
