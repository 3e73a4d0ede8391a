"""AI Act art. 50: whatever a resident writes first — a question, not a greeting — the first
message back says a computer answers and that a person is one step away; on every channel
(Telegram, WhatsApp, web chat). WhatsApp also asks not to send a BSN, bank details or photos of
letters there. After a person hands back, the assistant says it is the computer again (the
console flow: tests/privacy/test_forget_me_e2e.py and tests/console/test_console_flow.py)."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest

from bot.texts import TextCatalog
from tests.gateway.conftest import TG_SECRET, fixture, sign

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()
FIRST_QUESTIONS = [
    "hoe vraag ik bijzondere bijstand aan?",
    "Wat gebeurt er als ik mijn huur 2 maanden niet betaal",
    "kan de deurwaarder mijn auto meenemen",
]


def disclosure(channel: str | None = None) -> str:
    return TEXTS.render("utter_disclosure", channel=channel).text


def test_the_disclosure_texts_say_it_plainly() -> None:
    for channel in (None, "telegram", "web", "whatsapp"):
        text = disclosure(channel)
        assert "computerprogramma" in text and "niet met een mens" in text
        assert 'typ dan "mens"' in text  # the way to a person, one step away
        assert not re.search("[\U0001f300-\U0001faff\u2600-\u27bf]", text)  # read aloud as is
    assert "BSN" in disclosure("whatsapp") and "foto van een brief" in disclosure("whatsapp")
    assert "BSN" not in disclosure("telegram")
    back = TEXTS.render("utter_disclosure_back").text
    assert "weer met het computerprogramma" in back and "mens" in back


@pytest.mark.parametrize("question", FIRST_QUESTIONS)
async def test_telegram_first_message_is_a_question(gateway, fakes, question: str) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    client = await gateway()
    body = fixture("tg_private_text")
    body["message"]["text"] = question
    response = await client.post(
        "/webhooks/telegram",
        data=json.dumps(body),
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    assert response.status == 200
    first = (await telegram.wait_for(1))[0]["text"]
    assert first.startswith(disclosure("telegram") + "\n\n")
    assert first.removeprefix(disclosure("telegram")).strip()  # and then the answer itself


@pytest.mark.parametrize("question", FIRST_QUESTIONS[:2])
async def test_whatsapp_first_message_is_a_question(gateway, fakes, question: str) -> None:  # type: ignore[no-untyped-def]
    _, graph = fakes
    client = await gateway()
    body = fixture("wa_msg_text")
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = graph.phone_number_id
    value["messages"][0]["text"]["body"] = question
    raw = json.dumps(body).encode()
    response = await client.post(
        "/webhooks/whatsapp",
        data=raw,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw)},
    )
    assert response.status == 200
    first = (await graph.wait_for(1))[0]
    text = first["text"]["body"] if "text" in first else first["interactive"]["body"]["text"]
    assert text.startswith(disclosure("whatsapp") + "\n\n")


async def test_web_chat_first_message_is_a_question(gateway) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    ws = await client.ws_connect(
        "/chat/ws", headers={"Origin": f"http://{client.host}:{client.port}"}
    )
    await ws.send_json({"type": "hello", "token": None})
    await ws.send_json({"type": "message", "id": "q1", "text": FIRST_QUESTIONS[2]})
    async with asyncio.timeout(60):
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            data = json.loads(msg.data)
            if data.get("type") not in ("welcome", "ack", "typing", "status") and data.get("text"):
                break
    await ws.close()
    assert data["text"].startswith(disclosure("web") + "\n\n"), data
