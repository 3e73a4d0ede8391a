"""Fixtures for attending: the real gateway (create_app) on real SQL, residents on the fake
Telegram API, teams that are open, closed, or a 24/7 crisis pool.

States the assistant hands over are set up the way the router does it (store.move + the
handover service's request); every resident message after that goes through the gateway's
webhook, inbox, router, attending and outbox, and is counted where Telegram receives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import itertools
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot import keys
from bot.app import create_app
from bot.conversations import store
from bot.conversations.assignment import TZ
from bot.conversations.handover import HandoverService
from bot.conversations.keys import HANDOVER, WAKEUPS
from bot.conversations.states import Status
from bot.conversations.tables import Conversation, Handover, InboxItem, Message, OutboxItem
from bot.privacy.pseudonym import pseudonym
from bot.staff import StaffUser, Team, hash_password
from bot.staff.team_rules import set_rules
from bot.storage.base import utcnow
from bot.storage.db import open_database
from bot.texts import TextCatalog
from harness.databases import fresh_database
from harness.fakes.telegram import FakeTelegram
from tests.fakes.graph import FakeGraph
from tests.gateway.conftest import TG_SECRET, fixture, make_settings

TEXTS = TextCatalog.load()
ALWAYS = {str(d): [["00:00", "24:00"]] for d in range(7)}
OPEN_CODE, CLOSED_CODE = "GM0001", "GM0002"
PASSWORD = "attend-test-password"  # noqa: S105 - test accounts only
_updates = itertools.count(700_000)
_chats = itertools.count(9_100_000)


def closed_hours() -> dict[str, list[list[str]]]:
    """Opening hours on a day three days from now only: closed now, back at a known moment."""
    day = (utcnow() + timedelta(days=3)).astimezone(TZ).weekday()
    return {str(day): [["09:00", "17:00"]]}


@functools.cache
def pattern(name: str) -> re.Pattern[str]:
    """A domain response as a regex: its placeholders match any text (made once per name:
    names_of tries every response on every text)."""
    text = str(TEXTS.variants(name)[0]["text"])
    parts = re.split(r"\{[a-z_]+\}", text)
    return re.compile("(?s)" + "(.+?)".join(re.escape(p) for p in parts))


def is_response(text: str, name: str) -> bool:
    """True when ``text`` is the response ``name`` (placeholders filled in)."""
    return pattern(name).fullmatch(text) is not None


def names_of(texts: list[str]) -> list[str]:
    """For each text, the domain response it is (or the text itself when none fits)."""
    out = []
    for text in texts:
        found = [n for n in TEXTS.names() if is_response(text, n)]
        exact = [n for n in found if "{" not in str(TEXTS.variants(n)[0]["text"])]
        # a template whose placeholder can swallow another's extra sentence also matches: the
        # response with the most fixed text is the one that was said
        found.sort(key=lambda n: -len(re.sub(r"\{[^}]*\}", "", str(TEXTS.variants(n)[0]["text"]))))
        out.append((exact or found or [text])[0])
    return out


async def seed_teams(factory: Any) -> None:
    """An open team (GM0001), a closed team (GM0002), each with available people."""
    async with factory() as s:
        if await s.scalar(select(Team.id).limit(1)):
            return
        open_team = Team(
            name="Open team (test)",
            municipality_codes=[OPEN_CODE],
            kinds=["counsellor", "peer"],
            opening_hours=ALWAYS,
        )
        closed_team = Team(
            name="Dicht team (test)",
            municipality_codes=[CLOSED_CODE],
            kinds=["counsellor", "peer"],
            opening_hours=closed_hours(),
        )
        s.add_all([open_team, closed_team])
        await s.flush()
        hashed = hash_password(PASSWORD)
        for email, name, role, team in [
            ("sanne@test.geldhulp.nl", "Sanne (test)", "counsellor", open_team),
            ("ahmed@test.geldhulp.nl", "Ahmed (test)", "peer", open_team),
            ("lead@test.geldhulp.nl", "Petra (test)", "team_lead", open_team),
            ("dicht@test.geldhulp.nl", "Joris (test)", "counsellor", closed_team),
        ]:
            s.add(
                StaffUser(
                    email=email,
                    name=name,
                    role=role,
                    team_id=team.id,
                    password_hash=hashed,
                    presence="available",
                    failed_logins=0,
                    max_chats=50,
                )
            )
        await s.commit()


async def add_crisis_pool(factory: Any, *, open_now: bool = True) -> int:
    """A 24/7 crisis pool team with someone available; returns its id."""
    async with factory() as s:
        pool = Team(
            name="Crisisdienst (test)",
            municipality_codes=[],
            kinds=["counsellor"],
            opening_hours=ALWAYS if open_now else {},
        )
        s.add(pool)
        await s.flush()
        await set_rules(s, pool.id, crisis_pool=True)
        s.add(
            StaffUser(
                email=f"noor{pool.id}@test.geldhulp.nl",
                name="Noor (test)",
                role="counsellor",
                team_id=pool.id,
                password_hash=hash_password(PASSWORD),
                presence="available",
                failed_logins=0,
                max_chats=50,
            )
        )
        await s.commit()
        return pool.id


@dataclasses.dataclass
class Resident:
    """One resident on (fake) Telegram, talking to the real gateway."""

    client: TestClient
    telegram: FakeTelegram
    factory: Any
    chat_id: int
    conversation_id: str = ""
    address: str = ""

    @property
    def service(self) -> HandoverService:
        return self.client.app[HANDOVER]

    def received(self) -> list[str]:
        """Every text Telegram got for this resident, in order."""
        return [m["text"] for m in self.telegram.sent(self.chat_id)]

    async def settle(self) -> None:
        """Wait until every inbound is handled and every reply for this chat was sent."""
        for _ in range(600):
            async with self.factory() as s:
                inbox = await s.scalar(
                    select(InboxItem.id).where(InboxItem.status == "pending").limit(1)
                )
                outbox = await s.scalar(
                    select(OutboxItem.id)
                    .where(
                        OutboxItem.status == "pending",
                        OutboxItem.address == (self.address or str(self.chat_id)),
                    )
                    .limit(1)
                )
            if inbox is None and outbox is None:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the gateway did not settle")

    async def say(
        self, text: str | None = None, *, payload: str | None = None, sticker: bool = False
    ) -> list[str]:
        """Send one message through the webhook; return the texts the resident got for it."""
        await self.settle()
        before = len(self.received())
        update_id = next(_updates)
        if payload is not None:
            body: dict[str, Any] = fixture("tg_callback_query_with_message")
            body["callback_query"]["data"] = payload
            body["callback_query"]["from"]["id"] = self.chat_id
            body["callback_query"]["message"]["chat"]["id"] = self.chat_id
        else:
            body = fixture("tg_private_text")
            body["message"]["message_id"] = update_id
            body["message"]["chat"]["id"] = body["message"]["from"]["id"] = self.chat_id
            if sticker:
                del body["message"]["text"]
                body["message"]["sticker"] = fixture("tg_message_object_sticker")["sticker"]
            else:
                body["message"]["text"] = text
        body["update_id"] = update_id
        import json

        response = await self.client.post(
            "/webhooks/telegram",
            data=json.dumps(body),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status == 200
        for _ in range(600):
            async with self.factory() as s:
                status = await s.scalar(
                    select(InboxItem.status).where(InboxItem.dedupe_key == f"telegram:{update_id}")
                )
            if status in ("done", "failed"):
                break
            if status is None and await self.forgotten():
                # a forget-me empties the item it handled; the sweep deletes it at once after
                # the commit (docs/privacy.md), so "done" may never be seen
                status = "done"
                break
            await asyncio.sleep(0.05)
        assert status == "done", f"inbox item ended as {status}"
        await self.settle()
        return self.received()[before:]

    async def forgotten(self) -> bool:
        """True when this resident's conversation was forgotten (no address, or row deleted)."""
        if not self.conversation_id:
            return False
        async with self.factory() as s:
            conv = await s.get(Conversation, self.conversation_id)
            return conv is None or conv.identity_id is None

    async def conversation(self) -> Conversation:
        async with self.factory() as s:
            conv = await s.get(Conversation, self.conversation_id)
            assert conv is not None
            return conv

    async def handover(self) -> Handover:
        async with self.factory() as s:
            row = await s.scalar(
                select(Handover)
                .where(Handover.conversation_id == self.conversation_id)
                .order_by(Handover.id.desc())
                .limit(1)
            )
            assert row is not None
            return row

    async def transcript(self) -> list[Message]:
        async with self.factory() as s:
            return list(await store.transcript(s, self.conversation_id))


class Gateway:
    """Starts the app and puts residents into the state a test needs."""

    def __init__(self, client: TestClient, telegram: FakeTelegram, factory: Any) -> None:
        self.client, self.telegram, self.factory = client, telegram, factory

    def resident(self) -> Resident:
        return Resident(self.client, self.telegram, self.factory, next(_chats))

    async def waiting(
        self,
        *,
        municipality: str = OPEN_CODE,
        kind: str | None = "counsellor",
        reason: str = "asked",
        urgent: bool = False,
        story: str = "ik heb een huurachterstand en ik weet niet wat ik moet doen",
        summary: dict[str, Any] | None = None,
        channel: str = "telegram",
        address: str | None = None,
        crisis_kind: str | None = None,
    ) -> Resident:
        """A resident the assistant just handed over (as the router does it)."""
        resident = self.resident()
        settings = self.client.app[keys.SETTINGS]
        if address is None:
            address = str(resident.chat_id) if channel == "telegram" else f"3161{resident.chat_id}"
        digest = pseudonym(
            str(settings.pseudonym_key), f"{channel}:{address}", purpose="identity", length=40
        )
        decision = {
            "kind": kind,
            "reason": reason,
            "urgent": urgent,
            "summary": summary or {"topics": ["rent_housing"], "urgency_flags": []},
        }
        if crisis_kind:
            decision["crisis_kind"] = crisis_kind
        async with self.factory() as s:
            identity = await store.identity_for(s, channel, digest, address)
            conv, _new = await store.open_conversation(s, identity)
            conv.municipality_code = municipality
            conv.last_inbound_at = utcnow()
            resident.address = address
            s.add(
                Message(
                    conversation_id=conv.id,
                    direction="in",
                    sender_type="contact",
                    text=story,
                    data={},
                )
            )
            await s.flush()
            conv.handover = decision
            store.move(s, conv, Status.WAITING_FOR_HUMAN, "bot", reason)
            for reply in await resident.service.request(s, conv, decision, identity):
                store.enqueue_reply(s, conv, identity, reply, sender_type="system")
            await s.commit()
            resident.conversation_id = conv.id
        self.client.app[WAKEUPS].outbox.set()
        await resident.settle()
        return resident

    async def with_person(self, **kwargs: Any) -> Resident:
        """A resident whose chat Sanne (test) took."""
        resident = await self.waiting(**kwargs)
        await self.take(resident, "sanne@test.geldhulp.nl")
        return resident

    async def take(self, resident: Resident, email: str) -> None:
        async with self.factory() as s:
            staff = await s.scalar(select(StaffUser).where(StaffUser.email == email))
            handover = await s.scalar(
                select(Handover).where(
                    Handover.conversation_id == resident.conversation_id,
                    Handover.ended_at.is_(None),
                )
            )
            assert staff is not None and handover is not None
            await resident.service.take(s, handover.id, staff)
            await s.commit()
        self.client.app[WAKEUPS].outbox.set()
        await resident.settle()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeGraph]]:
    telegram, graph = await FakeTelegram().start(), await FakeGraph().start()
    yield telegram, graph
    await telegram.close()
    await graph.close()


async def start_gateway(
    db_url: str, telegram: FakeTelegram, graph: FakeGraph, **over: Any
) -> TestClient:
    """The real app on ``db_url``; Rasa is not needed (nothing here goes to the assistant)."""
    settings = make_settings(db_url, telegram, graph, "http://127.0.0.1:9")
    settings = dataclasses.replace(settings, **{"attend_sweep_seconds": 3600.0, **over})
    client = TestClient(
        TestServer(create_app(settings, pacing={}, retry_base=0.05), host="127.0.0.1")
    )
    await client.start_server()
    return client


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database per backend for a module of many small, independent residents."""
    with fresh_database(str(request.param), Path(tmp_path_factory.mktemp("attend"))) as url:
        yield url


@contextlib.asynccontextmanager
async def gateway_on(db_url: str, fakes: tuple[FakeTelegram, FakeGraph]) -> AsyncIterator[Gateway]:
    """The gateway on ``db_url`` with an open and a closed team, stopped at the end."""
    telegram, graph = fakes
    async with open_database(db_url) as (_engine, factory):
        await seed_teams(factory)
        client = await start_gateway(db_url, telegram, graph)
        try:
            yield Gateway(client, telegram, factory)
        finally:
            await client.close()


@pytest.fixture
async def gw(shared_db: str, fakes: tuple[FakeTelegram, FakeGraph]) -> AsyncIterator[Gateway]:
    """The gateway on the module's database with an open and a closed team."""
    async with gateway_on(shared_db, fakes) as gateway:
        yield gateway


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_fakes() -> AsyncIterator[tuple[FakeTelegram, FakeGraph]]:
    """The fake Telegram and Graph servers, one pair for a module (each resident has its own
    chat id, so what one test's resident got is never another's)."""
    telegram, graph = await FakeTelegram().start(), await FakeGraph().start()
    yield telegram, graph
    await telegram.close()
    await graph.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_gw(
    shared_db: str, module_fakes: tuple[FakeTelegram, FakeGraph]
) -> AsyncIterator[Gateway]:
    """One started gateway for a module of many small, independent residents (its tests run
    in the module's event loop: ``pytest.mark.asyncio(loop_scope="module")``)."""
    async with gateway_on(shared_db, module_fakes) as gateway:
        yield gateway


@pytest.fixture
async def own_gw(db_url: str, fakes: tuple[FakeTelegram, FakeGraph]) -> AsyncIterator[Gateway]:
    """The gateway on a database of its own (for tests that change teams or rules)."""
    telegram, graph = fakes
    async with open_database(db_url) as (_engine, factory):
        await seed_teams(factory)
        client = await start_gateway(db_url, telegram, graph)
        try:
            yield Gateway(client, telegram, factory)
        finally:
            await client.close()
