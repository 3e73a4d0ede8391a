"""Fixtures for the plan: the real gateway (create_app) on both backends with the Telegram and
Graph fakes, and a fake Rasa speaking the gateway channel's protocol: a topic answer that ends
with a choice, local help with its number (the ``plan_help`` hint the real action sends), a
handover and forget-me. The web chat is driven over its real websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import PLAN_REMINDERS, create_app
from bot.conversations.tables import ChannelIdentity, Conversation
from bot.plan import Plan, PlanStep
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.conversations.conftest import OPEN_CODE, seed_teams
from tests.fakes.rasa import GatewayRasa
from tests.gateway.conftest import make_settings
from tests.media.conftest import FilesGraph, FilesTelegram, Site

TEXTS = TextCatalog.load()
TOPIC_TEXT = "er staat een deurwaarder voor de deur"
HELP_NAME, HELP_PHONE = "Schuldhulp Noord (voorbeeld)", "070-3537000"
_chats = itertools.count(8_400_000)


def said(name: str, language: str | None = None, **values: str) -> str:
    """A domain response's text as a resident reads it."""
    return TEXTS.render(name, language=language, **values).text


@dataclasses.dataclass
class PlanRasa(GatewayRasa):
    """Rasa's gateway channel, enough for a plan: a topic, local help, a person, forget-me."""

    def answer(self, text: str) -> dict[str, Any]:
        messages: list[dict[str, Any]]
        slots: dict[str, Any] = {}
        if text == TOPIC_TEXT:
            intent = "debt_collector"
            messages = [
                {"text": "Een deurwaarder komt geld innen. Je kunt om een regeling vragen."},
                {
                    "text": "Wat wil je als eerste doen?",
                    "buttons": [
                        {"title": "Hulp in de buurt", "payload": "/find_local_help"},
                        {"title": "Praten met iemand", "payload": "/ask_human"},
                    ],
                },
            ]
        elif text == "/find_local_help":
            intent = "find_local_help"
            slots = {"municipality_code": OPEN_CODE}
            messages = [
                {"text": f"{HELP_NAME}\nBel {HELP_PHONE}"},
                {"custom": {"plan_help": [{"name": HELP_NAME, "phone": HELP_PHONE}]}},
            ]
        elif text == "/ask_human":
            intent = "ask_human"
            handover = {
                "kind": "counsellor",
                "reason": "asked",
                "urgent": False,
                "summary": {"topics": [], "municipality_code": OPEN_CODE, "urgency_flags": []},
            }
            messages = [{"custom": {"handover": handover}}]
        elif text == "verwijder mijn gegevens":
            intent = "forget_me"
            messages = [{"text": "Ik heb je gegevens verwijderd."}, {"custom": {"forget_me": True}}]
        else:
            return super().answer(text)
        return {
            "messages": messages,
            "intent": {"name": intent, "confidence": 0.99},
            "slots": slots,
        }


@dataclasses.dataclass
class PlanSite(Site):
    """The media tests' site (Telegram and WhatsApp helpers) plus the web chat and plan rows."""

    def origin(self) -> str:
        return f"http://{self.client.host}:{self.client.port}"

    async def plan_of(self, address: str) -> Plan | None:
        async with self.factory() as s:
            return await s.scalar(
                select(Plan)
                .join(ChannelIdentity, ChannelIdentity.id == Plan.identity_id)
                .where(ChannelIdentity.address.like(f"%{address}"))
            )

    async def steps(self) -> list[PlanStep]:
        async with self.factory() as s:
            return list((await s.scalars(select(PlanStep).order_by(PlanStep.id))).all())

    async def remind(self, today: Any = None) -> int:
        """One round of the reminder loop (the leader runs it every 15 minutes)."""
        sent = await self.client.app[PLAN_REMINDERS].run_once(self.factory, today)
        await self.settle()
        return sent

    async def conversations(self) -> list[Conversation]:
        async with self.factory() as s:
            return list((await s.scalars(select(Conversation))).all())


@dataclasses.dataclass
class WebChat:
    """One resident in the web chat, over the real websocket."""

    site: PlanSite
    ws: aiohttp.ClientWebSocketResponse
    token: str
    seen: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    async def say(self, text: str = "", payload: str | None = None) -> list[dict[str, Any]]:
        """Send a message (or press a button); the messages that came back for it."""
        before = len(self.seen)
        body: dict[str, Any] = {"type": "message", "id": f"m{next(_chats)}", "text": text}
        if payload:
            body["payload"] = payload
        await self.ws.send_json(body)
        await self.site.settle()
        async with asyncio.timeout(30):  # at least one answer, then until the socket is quiet
            while len(self.seen) == before:
                await self.drain()
        await self.drain()
        return self.seen[before:]

    async def drain(self) -> None:
        """Read what the socket has delivered until it is quiet (bounded)."""
        while True:
            try:
                message = await self.ws.receive_json(timeout=1.0)
            except TimeoutError:
                return
            if message.get("type") == "message":
                self.seen.append(message)


async def open_web_chat(site: PlanSite) -> WebChat:
    ws = await site.client.ws_connect("/chat/ws", headers={"Origin": site.origin()})
    await ws.send_json({"type": "hello", "token": None})
    welcome = await ws.receive_json(timeout=10)
    return WebChat(site, ws, str(welcome["token"]))


def new_chat() -> int:
    return next(_chats)


@contextlib.asynccontextmanager
async def running_plan_site(db_url: str) -> AsyncIterator[PlanSite]:
    telegram = await FilesTelegram().start()
    graph = await FilesGraph().start()
    graph.templates["geldhulp_plan_herinnering"] = ("nl", 1)
    rasa = await PlanRasa().start()
    try:
        async with open_database(db_url) as (_engine, factory):
            await seed_teams(factory)
            settings = make_settings(db_url, telegram, graph, rasa.root)
            settings = dataclasses.replace(settings, attend_sweep_seconds=3600.0)
            app = create_app(settings, pacing={}, retry_base=0.05)
            client = TestClient(TestServer(app, host="127.0.0.1"))
            await client.start_server()
            try:
                yield PlanSite(client, telegram, graph, rasa, factory)  # type: ignore[arg-type]
            finally:
                await client.close()
    finally:
        await telegram.close()
        await graph.close()
        await rasa.close()


@pytest.fixture
async def site(db_url: str) -> AsyncIterator[PlanSite]:
    """The gateway on a fresh database of each backend."""
    async with running_plan_site(db_url) as here:
        yield here
