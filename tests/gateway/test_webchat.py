"""The web chat: a conversation over the websocket, Origin checks, and WCAG 2.1 AA with axe-core."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.conversations.tables import (
    ChannelIdentity,
    Conversation,
    InboxItem,
    Message,
    OutboxItem,
)
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.support.browser import launch

pytestmark = pytest.mark.rasa
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CATALOG = TextCatalog.load()


async def receive_until(ws, predicate, timeout: float = 60):  # type: ignore[no-untyped-def]
    """Collect messages until one matches (bounded)."""
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            data = json.loads(msg.data)
            seen.append(data)
            if predicate(data):
                return seen


async def test_web_chat_conversation_and_history(gateway) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    origin = f"http://{client.host}:{client.port}"
    page = await client.get("/chat")
    html = await page.text()
    assert page.status == 200 and 'lang="nl"' in html and "{{" not in html
    assert "https://" not in html  # nothing from a CDN
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": None})
    welcome = (await receive_until(ws, lambda d: d["type"] == "welcome"))[-1]
    token = welcome["token"]
    await ws.send_json(
        {"type": "message", "id": "m1", "text": "ik heb een achterstand bij de zorgverzekering"}
    )
    seen = await receive_until(ws, lambda d: d.get("buttons"))
    # the answer about health insurance: the topic's answer or a knowledge-base entry of it
    assert any("zorgverzeker" in d.get("text", "").lower() for d in seen), seen
    await ws.send_json(
        {"type": "message", "id": "m1", "text": "dubbel verstuurd"}
    )  # same id: deduplicated
    await ws.close()
    again = await client.ws_connect("/chat/ws", headers={"Origin": origin})
    await again.send_json({"type": "hello", "token": token})
    welcome = (await receive_until(again, lambda d: d["type"] == "welcome"))[-1]
    mine = [m for m in welcome["history"] if m["from"] == "me"]
    assert [m["text"] for m in mine] == ["ik heb een achterstand bij de zorgverzekering"]
    await again.close()


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://127.0.0.1.evil.example"])
async def test_foreign_origin_websocket_is_rejected(gateway, origin) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    headers = {"Origin": origin} if origin else {}
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/chat/ws", headers=headers)
    assert info.value.status == 403


async def settled_after(db_url: str, text: str, timeout: float = 60) -> None:
    """Wait until the resident's ``text`` is stored and handled and every reply is sent."""

    async def done() -> bool:
        async with open_database(db_url) as (_e, factory), factory() as s:
            stored = await s.scalar(
                select(func.count()).select_from(Message).where(Message.text == text)
            )
            inbox = await s.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.status == "pending")
            )
            outbox = await s.scalar(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
            )
        return bool(stored) and inbox == 0 and outbox == 0

    async with asyncio.timeout(timeout):
        while not await done():
            await asyncio.sleep(0.1)


async def count_out(db_url: str) -> int:
    async with open_database(db_url) as (_e, factory), factory() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "out")
            )
            or 0
        )


async def test_crisis_hands_over_and_the_bot_stays_quiet_until_cancelled(gateway, db_url) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    ws = await client.ws_connect(
        "/chat/ws", headers={"Origin": f"http://{client.host}:{client.port}"}
    )
    await ws.send_json({"type": "hello"})
    await receive_until(ws, lambda d: d["type"] == "welcome")
    await ws.send_json({"type": "message", "id": "c1", "text": "ik zie het niet meer zitten"})
    # with no team configured, the handover service answers "nobody there now" and asks consent
    seen = await receive_until(
        ws,
        lambda d: (
            "toch niet" in d.get("text", "")
            or any(b["payload"] == "/contact_me" for b in d.get("buttons") or [])
        ),
    )
    assert "113" in seen[0]["text"]  # the help comes first
    async with open_database(db_url) as (_e, factory), factory() as s:
        conv = await s.scalar(select(Conversation))
        assert conv.status == "waiting_for_human"
        assert conv.handover["reason"] == "crisis"
    # while waiting, the assistant is not asked: the first message gets the waiting
    # acknowledgement of the state table (docs/console.md), not an answer from Rasa
    await ws.send_json({"type": "message", "id": "c2", "text": "is er al iemand?"})
    ack = await receive_until(ws, lambda d: "staat klaar" in d.get("text", ""))
    assert ack[-1]["from"] == "bot"
    await settled_after(db_url, "is er al iemand?")
    async with open_database(db_url) as (_e, factory), factory() as s:
        senders = set(
            (
                await s.scalars(
                    select(Message.sender_type).where(
                        Message.direction == "out",
                        Message.id
                        > select(func.min(Message.id))
                        .where(Message.text == "is er al iemand?")
                        .scalar_subquery(),
                    )
                )
            ).all()
        )
    assert senders == {"system"}  # the waiting layer answered, not Rasa
    out = await count_out(db_url)
    # a second message soon after: no repeat, it waits for the person (stored, no answer)
    await ws.send_json({"type": "message", "id": "c3", "text": "ik heb ook nog een huurschuld"})
    await settled_after(db_url, "ik heb ook nog een huurschuld")
    assert await count_out(db_url) == out
    await ws.send_json({"type": "message", "id": "c4", "text": "toch niet"})
    cancelled = CATALOG.render("utter_handover_cancelled").text
    back = await receive_until(
        ws, lambda d: d.get("from") == "bot" and cancelled in d.get("text", "")
    )
    assert back
    await settled_after(db_url, "toch niet")
    async with open_database(db_url) as (_e, factory), factory() as s:
        conv = await s.scalar(select(Conversation))
        assert conv.status == "bot"
        kept = await s.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.text.in_(["is er al iemand?", "ik heb ook nog een huurschuld"]))
        )
    assert await count_out(db_url) == out + 1
    assert kept == 2
    await ws.close()


async def test_forget_me_deletes_the_transcript(gateway, db_url) -> None:  # type: ignore[no-untyped-def]
    client = await gateway()
    ws = await client.ws_connect(
        "/chat/ws", headers={"Origin": f"http://{client.host}:{client.port}"}
    )
    await ws.send_json({"type": "hello"})
    await receive_until(ws, lambda d: d["type"] == "welcome")
    await ws.send_json(
        {"type": "message", "id": "f1", "text": "ik heb schulden bij de belastingdienst"}
    )
    await receive_until(ws, lambda d: d.get("buttons"))
    # product change: the request is asked once (utter_forget_me_confirm); the yes erases
    await ws.send_json({"type": "message", "id": "f2", "text": "verwijder al mijn gegevens"})
    question = await receive_until(
        ws, lambda d: any(b["payload"] == "/forget_me_confirm" for b in d.get("buttons") or [])
    )
    assert CATALOG.render("utter_forget_me_confirm").text in question[-1]["text"]
    await settled_after(db_url, "verwijder al mijn gegevens")
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) > 0  # nothing gone yet
    await ws.send_json(
        {"type": "message", "id": "f3", "text": "Ja, wis alles", "payload": "/forget_me_confirm"}
    )
    done = CATALOG.render("utter_forget_me_done").text
    await receive_until(ws, lambda d: done in d.get("text", ""))
    await ws.close()

    async def forgotten() -> bool:  # the confirmation is out, then the empty row goes too
        async with open_database(db_url) as (_e, factory), factory() as s:
            return await s.scalar(select(func.count()).select_from(Conversation)) == 0

    async with asyncio.timeout(30):
        while not await forgotten():
            await asyncio.sleep(0.1)
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await s.scalar(select(func.count()).select_from(Message)) == 0
        assert await s.scalar(select(func.count()).select_from(ChannelIdentity)) == 0
        assert await s.scalar(select(func.count()).select_from(OutboxItem)) == 0


@pytest.mark.browser
async def test_web_chat_meets_wcag_aa_in_chromium(gateway) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import async_playwright

    client = await gateway()
    url = f"http://{client.host}:{client.port}/chat"
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await launch(p)
        for name, viewport in (
            ("phone", {"width": 360, "height": 740}),
            ("desktop", {"width": 1280, "height": 800}),
        ):
            page = await browser.new_page(viewport=viewport)
            await page.goto(url)
            await page.fill("#input", "ik heb schulden")
            await page.press("#input", "Enter")
            await page.wait_for_selector(".choices button", timeout=60000)
            results = await Axe().run(
                page,
                options={
                    "runOnly": {
                        "type": "tag",
                        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
                    }
                },
            )
            await page.screenshot(path=str(ARTIFACTS / f"webchat-{name}.png"), full_page=True)
            violations = results.response["violations"]
            assert violations == [], results.generate_report()
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"]  # no sideways scrolling on a phone
        await browser.close()
