"""Fixtures for residents' files: fakes of Telegram's getFile and of the Graph API's media
endpoints (with the token they require), a fake Rasa for the turns around a letter, and the
real gateway (create_app) on both backends with teams to hand over to.

The letter reader is swapped for a fast fake in most tests (`Site.reading`); one test reads a
real letter photo from tests/letters/data end to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import itertools
import json
from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import select

from bot.app import MEDIA_FLOW, create_app
from bot.conversations.tables import ChannelIdentity, Conversation, InboxItem, OutboxItem
from bot.letters.reading import LetterReading
from bot.media import MediaFile
from bot.storage.db import open_database
from harness.fakes.telegram import FakeTelegram
from tests.conversations.conftest import OPEN_CODE, seed_teams
from tests.fakes.graph import FakeGraph
from tests.fakes.rasa import GatewayRasa
from tests.gateway.conftest import TG_SECRET, fixture, make_settings, sign

_updates = itertools.count(810_000)
_chats = itertools.count(7_300_000)


@dataclasses.dataclass
class FilesTelegram(FakeTelegram):
    """FakeTelegram plus getFile and the file download route (`/file/bot<token>/<path>`)."""

    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    announced: dict[str, int] = dataclasses.field(default_factory=dict)  # getFile's file_size
    downloads: list[str] = dataclasses.field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "getFile":
            if request.match_info["token"] != self.token:
                return web.json_response({"ok": False, "error_code": 401}, status=401)
            file_id = str((await request.json()).get("file_id"))
            self.calls.append(("getFile", {"file_id": file_id}))
            if file_id not in self.files:
                return web.json_response({"ok": False, "error_code": 400}, status=400)
            size = self.announced.get(file_id, len(self.files[file_id]))
            result = {"file_id": file_id, "file_size": size, "file_path": f"documents/{file_id}"}
            return web.json_response({"ok": True, "result": result})
        return await super().handle(request)

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        self.downloads.append(file_id)
        data = self.files.get(file_id)
        if data is None:
            return web.Response(status=404)
        response = web.StreamResponse()  # chunked: no Content-Length to trust
        await response.prepare(request)
        for start in range(0, len(data), 256 * 1024):
            await response.write(data[start : start + 256 * 1024])
        await response.write_eof()
        return response

    async def start(self) -> FilesTelegram:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)
        await self.serve(app)
        return self


@dataclasses.dataclass
class FilesGraph(FakeGraph):
    """FakeGraph plus the media endpoints: GET /<media-id> (the URL) and the download."""

    media: dict[str, tuple[bytes, str]] = dataclasses.field(default_factory=dict)
    media_auth: list[str | None] = dataclasses.field(default_factory=list)

    async def media_url(self, request: web.Request) -> web.Response:
        self.media_auth.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"error": {"code": 190}}, status=401)
        media_id = request.match_info["media_id"]
        if media_id not in self.media:
            return web.json_response({"error": {"code": 100}}, status=404)
        data, mime = self.media[media_id]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.root}/whatsapp_business/attachments/?mid={media_id}",
                "mime_type": mime,
                "file_size": str(len(data)),
                "id": media_id,
            }
        )

    async def media_download(self, request: web.Request) -> web.Response:
        self.media_auth.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401)
        found = self.media.get(request.query.get("mid", ""))
        if found is None:
            return web.Response(status=404)
        return web.Response(body=found[0], content_type=found[1].split(";")[0])

    async def start(self) -> FilesGraph:
        app = web.Application()
        app.router.add_post("/v25.0/{phone}/messages", self.handle)
        app.router.add_get("/v25.0/{media_id}", self.media_url)
        app.router.add_get("/whatsapp_business/attachments/", self.media_download)
        await self.serve(app)
        return self


@dataclasses.dataclass
class FakeRasa(GatewayRasa):
    """Rasa's gateway channel, enough for the turns here: /ask_human hands over."""

    def answer(self, text: str) -> dict[str, Any]:
        if text == "verwijder mijn gegevens":
            messages: list[dict[str, Any]] = [
                {"text": "Ik heb je gegevens verwijderd."},
                {"custom": {"forget_me": True}},
            ]
            return {"messages": messages, "intent": {"name": "forget_me", "confidence": 0.99}}
        if text == "/ask_human":
            handover = {
                "kind": "counsellor",
                "reason": "asked",
                "urgent": False,
                "summary": {"topics": [], "municipality_code": OPEN_CODE, "urgency_flags": []},
            }
            return {
                "messages": [{"custom": {"handover": handover}}],
                "intent": {"name": "ask_human", "confidence": 0.99},
                "slots": {},
            }
        return super().answer(text)


def reading(
    kind: str = "aanmaning", *, urgent: bool = False, confidence: float = 0.9
) -> LetterReading:
    """A reading as the letter reader gives it (for the fast fake reader)."""
    return LetterReading(
        kind=kind,
        sender_kind="incassobureau",
        sender_name="Incasso Noord B.V.",
        amount_due=Decimal("120.00"),
        deadline=date.today() + timedelta(days=14),
        deadline_computed=False,
        event_date=date.today() + timedelta(days=30) if urgent else None,
        urgent=urgent,
        iban=None,
        reference=None,
        reference_checked=False,
        has_bsn=False,
        letter_date=date.today(),
        confidence=confidence,
        text="x" * 200,
    )


def jpeg(size: tuple[int, int] = (640, 480)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (235, 235, 235)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def ogg_opus() -> bytes:
    """The first page of an OGG/Opus voice note (enough for the sniffer and a browser)."""
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    return b"OggS\x00\x02" + b"\x00" * 20 + bytes([1, len(head)]) + head + b"\x00" * 64


@dataclasses.dataclass
class Site:
    """The gateway with its fakes; a resident is a chat id on Telegram or a wa_id."""

    client: TestClient
    telegram: FilesTelegram
    graph: FilesGraph
    rasa: FakeRasa
    factory: Any
    read_calls: list[int] = dataclasses.field(default_factory=list)
    next_reading: LetterReading = dataclasses.field(default_factory=reading)

    def use_fake_reader(self) -> None:
        """Letters are 'read' at once (the OCR has its own tests)."""

        def read(data: bytes, content_type: str | None) -> LetterReading:
            self.read_calls.append(len(data))
            return self.next_reading

        self.client.app[MEDIA_FLOW].read = read

    async def settle(self) -> None:
        """Wait until every inbox item is handled and every reply was sent."""
        for _ in range(1200):
            async with self.factory() as s:
                inbox = await s.scalar(
                    select(InboxItem.id).where(InboxItem.status == "pending").limit(1)
                )
                outbox = await s.scalar(
                    select(OutboxItem.id).where(OutboxItem.status == "pending").limit(1)
                )
            if inbox is None and outbox is None:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the gateway did not settle")

    async def telegram_file(
        self,
        chat_id: int,
        key: str,
        file_id: str,
        data: bytes | None,
        *,
        size: int | None = None,
        mime: str | None = None,
    ) -> list[str]:
        """A photo, document or voice message on Telegram; the texts the resident got for it."""
        if data is not None:
            self.telegram.files[file_id] = data
        before = len(self.telegram.sent(chat_id))
        update_id = next(_updates)
        body = fixture("tg_private_text")
        message = body["message"]
        del message["text"]
        message["message_id"] = update_id
        message["chat"]["id"] = message["from"]["id"] = chat_id
        described: dict[str, Any] = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        if size is not None:
            described["file_size"] = size
        if mime is not None:
            described["mime_type"] = mime
        if key == "photo":
            message["photo"] = [
                {**described, "file_id": f"{file_id}-small", "width": 90, "height": 67},
                {**described, "width": 1280, "height": 960},
            ]
        elif key == "voice":
            message["voice"] = {**described, "duration": 4}
        else:
            message["document"] = {**described, "file_name": "scan.jpg"}
        body["update_id"] = update_id
        response = await self.client.post(
            "/webhooks/telegram",
            data=json.dumps(body),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status == 200
        await self.settle()
        return [m["text"] for m in self.telegram.sent(chat_id)[before:]]

    async def telegram_text(self, chat_id: int, text: str) -> list[str]:
        """A typed message; the texts the resident got for it."""
        before = len(self.telegram.sent(chat_id))
        body = fixture("tg_private_text")
        update_id = next(_updates)
        body["update_id"] = body["message"]["message_id"] = update_id
        body["message"]["chat"]["id"] = body["message"]["from"]["id"] = chat_id
        body["message"]["text"] = text
        response = await self.client.post(
            "/webhooks/telegram",
            data=json.dumps(body),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status == 200
        await self.settle()
        return [m["text"] for m in self.telegram.sent(chat_id)[before:]]

    async def telegram_press(self, chat_id: int, payload: str) -> list[str]:
        """A button press; the texts the resident got for it."""
        before = len(self.telegram.sent(chat_id))
        body = fixture("tg_callback_query_with_message")
        body["update_id"] = next(_updates)
        body["callback_query"]["data"] = payload
        body["callback_query"]["from"]["id"] = chat_id
        body["callback_query"]["message"]["chat"]["id"] = chat_id
        response = await self.client.post(
            "/webhooks/telegram",
            data=json.dumps(body),
            headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
        )
        assert response.status == 200
        await self.settle()
        return [m["text"] for m in self.telegram.sent(chat_id)[before:]]

    async def whatsapp_file(self, wa_id: str, name: str, media_id: str) -> list[dict[str, Any]]:
        """A WhatsApp fixture message from ``wa_id`` naming ``media_id``; what Graph was sent."""
        body = fixture(name)
        value = body["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = self.graph.phone_number_id
        value["contacts"][0]["wa_id"] = wa_id
        message = value["messages"][0]
        message["from"], message["id"] = wa_id, f"wamid.{next(_updates)}"
        message[message["type"]]["id"] = media_id
        before = len(self.graph.sent)
        raw = json.dumps(body).encode()
        response = await self.client.post(
            "/webhooks/whatsapp",
            data=raw,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw)},
        )
        assert response.status == 200
        await self.settle()
        return self.graph.sent[before:]

    async def files(self) -> list[MediaFile]:
        async with self.factory() as s:
            return list((await s.scalars(select(MediaFile))).all())

    async def conversation_of(self, address: str) -> Conversation:
        async with self.factory() as s:
            conv = await s.scalar(
                select(Conversation)
                .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
                .where(ChannelIdentity.address == address)
                .order_by(Conversation.created_at.desc())
                .limit(1)
            )
            assert conv is not None
            return conv


def new_chat() -> int:
    return next(_chats)


@contextlib.asynccontextmanager
async def running_site(db_url: str) -> AsyncIterator[Site]:
    """The gateway on ``db_url`` with teams, the fakes and the fast fake reader."""
    telegram = await FilesTelegram().start()
    graph = await FilesGraph().start()
    rasa = await FakeRasa().start()
    try:
        async with open_database(db_url) as (_engine, factory):
            await seed_teams(factory)
            settings = make_settings(db_url, telegram, graph, rasa.root)
            settings = dataclasses.replace(settings, attend_sweep_seconds=3600.0)
            client = TestClient(
                TestServer(create_app(settings, pacing={}, retry_base=0.05), host="127.0.0.1")
            )
            await client.start_server()
            try:
                here = Site(client, telegram, graph, rasa, factory)
                here.use_fake_reader()
                yield here
            finally:
                await client.close()
    finally:
        await telegram.close()
        await graph.close()
        await rasa.close()


@pytest.fixture
async def site(db_url: str) -> AsyncIterator[Site]:
    """The gateway on a fresh database of each backend."""
    async with running_site(db_url) as here:
        yield here


@pytest.fixture
async def sqlite_site(sqlite_url: str) -> AsyncIterator[Site]:
    """The gateway on SQLite only (a test that reads a real letter: OCR takes seconds)."""
    async with running_site(sqlite_url) as here:
        yield here


Reader = Callable[[bytes, str | None], LetterReading]
