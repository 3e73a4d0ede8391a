"""The web chat page and its websocket (Origin checked; messages go through the same inbox)."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import secrets
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from aiohttp import BodyPartReader, WSMsgType, web
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot import keys
from bot.conversations import store
from bot.conversations.intake import FLOOD_MAX, FLOOD_MAX_ADDRESS
from bot.conversations.keys import INTAKE
from bot.conversations.models import MEDIA, TEXT, Inbound
from bot.conversations.tables import ChannelIdentity, Conversation, Message
from bot.media import IMAGE, MediaRefused, check_bytes
from bot.media.keys import MEDIA as MEDIA_KEY
from bot.settings import LANGUAGES
from bot.texts import TextCatalog
from bot.webchat.keys import CHAT_PAGE, HUB
from bot.webchat.typing import TypingThrottle, resident_typing

logger = logging.getLogger(__name__)
STORAGE_ERRORS = (SQLAlchemyError, OSError)
STATIC = Path(__file__).resolve().parent / "static"
CHANNEL = "web"
MAX_TEXT = 2000


LABELS = {
    "title": "utter_webchat_title",
    "intro": "utter_webchat_intro",
    "log_label": "utter_webchat_log_label",
    "input_label": "utter_webchat_input_label",
    "send": "utter_webchat_send",
    "offline": "utter_webchat_offline",
    "not_stored": "utter_webchat_not_stored",
    "you": "utter_webchat_you",
    "bot": "utter_webchat_bot",
    "language": "utter_webchat_language",
    "upload": "utter_webchat_upload",
    "uploaded": "utter_webchat_upload_sent",
}
UPLOAD_REFUSED = {  # what the page shows for a file we do not take (nothing is kept)
    "too_large": "utter_letter_file_too_large",
    "unsupported": "utter_letter_file_unsupported",
    "broken": "utter_letter_file_broken",
}


GREETING = "utter_webchat_greeting"
TYPING_LABEL = "utter_webchat_person_typing"


def render_page(texts: TextCatalog) -> str:
    """The page with its labels from the domain texts (escaped), and the greeting a new chat
    shows in every language (the page picks its own; never sent to Rasa, never stored)."""
    html = (STATIC / "chat.html").read_text(encoding="utf-8")
    for key, name in LABELS.items():
        value = texts.render(name).text
        html = html.replace("{{" + key + "}}", escape(value, quote=True))
    greeting = {lang: texts.render(GREETING, language=lang).text for lang in LANGUAGES}
    html = html.replace("{{typing}}", escape(json.dumps(typing_labels(texts)), quote=True))
    return html.replace("{{greeting}}", escape(json.dumps(greeting), quote=True))


def typing_labels(texts: TextCatalog) -> dict[str, str]:
    """The status line "someone of the team is typing" in every language (the page picks)."""
    return {lang: texts.render(TYPING_LABEL, language=lang).text for lang in LANGUAGES}


async def page(request: web.Request) -> web.Response:
    """GET /chat: the chat page (all assets served locally; no CDN)."""
    return web.Response(
        text=request.config_dict[CHAT_PAGE],
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; "
            "style-src 'self'; script-src 'self'; img-src 'self' data:",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def origin_allowed(request: web.Request) -> bool:
    """Only our own site (or configured embedding sites) may open the socket."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    settings = request.config_dict[keys.SETTINGS]
    allowed = {urlparse(settings.public_url).netloc, request.host}
    allowed |= {o for o in settings.extra.get("webchat_origins", "").split(",") if o}
    return urlparse(origin).netloc in allowed


async def conversation_so_far(
    request: web.Request, token: str
) -> tuple[list[dict[str, object]], bool]:
    """The messages a reload shows, and whether that chat is closed.

    The open conversation; when there is none, the latest closed one (a counsellor closed it):
    the resident still reads it, the 113 answer too, until they write again (a new
    conversation) or forget-me erases it. Retention removes it like any other transcript.
    """
    factory = request.config_dict[keys.DB]
    inbound = Inbound(channel=CHANNEL, dedupe_key="-", sender=token, address=token)
    digest = request.config_dict[INTAKE].sender_hash(inbound)
    async with factory() as session:
        identity = await session.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == CHANNEL, ChannelIdentity.external_hash == digest
            )
        )
        if identity is None:
            return [], False
        conv = await session.scalar(
            select(Conversation).where(
                Conversation.identity_id == identity.id, Conversation.status != "closed"
            )
        )
        if conv is None:
            conv = await session.scalar(
                select(Conversation)
                .where(Conversation.identity_id == identity.id)
                .order_by(Conversation.created_at.desc(), Conversation.id.desc())
                .limit(1)
            )
        if conv is None:
            return [], False
        messages = await store.transcript(session, conv.id)
        closed = conv.status == "closed"
    sent_file = request.config_dict[keys.TEXTS].render("utter_webchat_upload_sent").text
    return [history_item(m, sent_file) for m in messages], closed


async def history(request: web.Request, token: str) -> list[dict[str, object]]:
    """The chat so far, so a reload shows it (also after a counsellor closed it)."""
    return (await conversation_so_far(request, token))[0]


async def welcome(request: web.Request, token: str) -> dict[str, Any]:
    """What a socket gets on hello, and again to catch up after a Redis outage."""
    messages, closed = await conversation_so_far(request, token)
    return {"type": "welcome", "token": token, "history": messages, "closed": closed}


def history_item(m: Message, sent_file: str = "") -> dict[str, Any]:
    """One earlier message as the page shows it: a person's messages keep their name and role."""
    data = m.data or {}
    author = data.get("author") if m.direction == "out" else None
    text = m.text
    if m.direction == "in" and not text and data.get("kind") == MEDIA:
        text = sent_file  # a file the resident sent: named, never shown on the page again
    item: dict[str, Any] = {
        "type": "message",
        "from": "me" if m.direction == "in" else ("person" if author else "bot"),
        "text": text,
        "buttons": [{"title": t, "payload": p} for t, p in data.get("buttons", [])],
    }
    if isinstance(author, dict):
        item["author"] = dict(author)
    return item


async def socket(request: web.Request) -> web.WebSocketResponse:
    """GET /chat/ws: hello (token) -> welcome + history; message -> inbox."""
    # Checked before the handshake: a page elsewhere must not talk as our resident.
    if not origin_allowed(request):
        raise web.HTTPForbidden(text="origin not allowed")
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=16 * 1024)
    await ws.prepare(request)
    hub = request.config_dict[HUB]
    intake = request.config_dict[INTAKE]
    token: str | None = None
    throttle = TypingThrottle()
    # flood limits hold per connection and per network address, whatever token is sent
    limits = [
        (f"conn:{secrets.token_hex(8)}", FLOOD_MAX),
        (intake.flood_key("web-address", str(request.remote)), FLOOD_MAX_ADDRESS),
    ]
    try:
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(msg.data)
            except ValueError:
                await ws.send_json({"type": "error", "error": "malformed"})
                continue
            if data.get("type") == "hello":
                given = str(data.get("token") or "")
                token = (
                    given
                    if 20 <= len(given) <= 64 and given.isascii()
                    else secrets.token_urlsafe(24)
                )
                hub.add(token, ws, functools.partial(welcome, request, token))
                await ws.send_json(await welcome(request, token))
            elif data.get("type") == "typing" and token:
                await resident_typing(request, token, throttle)
            elif data.get("type") == "message" and token:
                text = str(data.get("text") or "")[:MAX_TEXT].strip()
                payload = str(data.get("payload") or "") or None
                client_id = str(data.get("id") or secrets.token_hex(8))[:40]
                if not text and not payload:
                    continue
                inbound = Inbound(
                    channel=CHANNEL,
                    dedupe_key=f"{token}:{client_id}",
                    sender=token,
                    address=token,
                    kind=TEXT,
                    text=text or str(data.get("title") or ""),
                    payload=payload,
                ).cleaned()  # valid Unicode before anything is stored (a lone surrogate, a NUL)
                try:
                    await intake.accept(inbound, limits=limits)
                except STORAGE_ERRORS as exc:
                    # nothing could be stored: say so, the page sends it again (same id)
                    logger.warning("web chat message not stored (%s)", exc.__class__.__name__)
                    await ws.send_json({"type": "error", "error": "unavailable", "id": client_id})
    finally:
        if token:
            hub.remove(token, ws)
    return ws


def _valid_token(value: str) -> bool:
    return (
        20 <= len(value) <= 64
        and value.isascii()
        and value.replace("-", "").replace("_", "").isalnum()
    )


async def _read_file(field: BodyPartReader, limit: int) -> bytes:
    """The file part's bytes, stopping as soon as it passes ``limit`` (MediaRefused)."""
    body = bytearray()
    while chunk := await field.read_chunk(64 * 1024):
        body += chunk
        if len(body) > limit:
            raise MediaRefused("upload past the limit", code="too_large")
    return bytes(body)


async def upload(request: web.Request) -> web.Response:
    """POST /chat/upload (multipart: token, id, file): a photo or PDF of a letter.

    Checked at the door: our own pages only (Origin), a token from the socket, at most
    `bot.media.MAX_BYTES` (read in chunks, stopped as soon as it is larger, whatever the
    headers say), JPEG, PNG or PDF by their bytes, an image that really decodes. A refused file
    gets a kind sentence and nothing is kept; a taken one is sealed and handed to the inbox.
    """
    if not origin_allowed(request):
        raise web.HTTPForbidden(text="origin not allowed")
    media = request.config_dict[MEDIA_KEY]
    texts = request.config_dict[keys.TEXTS]
    fields: dict[str, str] = {}
    data: bytes | None = None
    try:
        reader = await request.multipart()
        while (field := await reader.next()) is not None:
            if not isinstance(field, BodyPartReader):
                raise ValueError("nested multipart")
            name = field.name
            if name == "file":
                data = await _read_file(field, media.max_bytes)
            elif name in ("token", "id", "language"):
                fields[name] = (await field.read_chunk(200)).decode("ascii", "replace")
    except MediaRefused as exc:
        code: str | None = exc.code
    except (ValueError, AssertionError):
        raise web.HTTPBadRequest(text="malformed upload") from None
    else:
        code = None
    language = fields.get("language") if fields.get("language") in LANGUAGES else None
    token = fields.get("token", "")
    if not _valid_token(token):
        raise web.HTTPBadRequest(text="no chat")
    if code is None and not data:
        code = "unsupported"
    sniffed = None
    if code is None and data is not None:
        try:
            sniffed = await asyncio.to_thread(check_bytes, data, media.max_bytes)
            if sniffed.kind not in (IMAGE, "pdf"):
                raise MediaRefused("not a photo or PDF", code="unsupported")
        except MediaRefused as exc:
            code = exc.code
    if code is not None or sniffed is None or data is None:
        name = UPLOAD_REFUSED.get(code or "", "utter_media_unavailable")
        logger.info("web chat upload refused (%s)", code)
        message = texts.render(name, language=language).text
        return web.json_response({"error": code, "message": message}, status=422)
    intake = request.config_dict[INTAKE]
    client_id = fields.get("id") or secrets.token_hex(8)
    inbound = Inbound(channel=CHANNEL, dedupe_key="-", sender=token, address=token)
    try:
        async with request.config_dict[keys.DB]() as session:
            row = media.store.add(
                session, data, sniffed, channel=CHANNEL, owner_hash=intake.sender_hash(inbound)
            )
            await session.commit()
        await intake.accept(
            Inbound(
                channel=CHANNEL,
                dedupe_key=f"{token}:{client_id[:40]}",
                sender=token,
                address=token,
                kind=MEDIA,
                media_type="photo" if sniffed.kind == IMAGE else "document",
                extra={"media": {"upload": row.id}},
            )
        )
    except STORAGE_ERRORS as exc:
        logger.warning("web chat upload not stored (%s)", exc.__class__.__name__)
        return web.json_response({"error": "unavailable"}, status=503)
    return web.json_response({"ok": True, "id": client_id})


def setup_webchat(app: web.Application, texts: TextCatalog) -> None:
    """Register the web chat routes and static files; render the page once."""
    app[CHAT_PAGE] = render_page(texts)
    app.router.add_get("/chat", page)
    app.router.add_get("/chat/ws", socket)
    app.router.add_post("/chat/upload", upload)
    app.router.add_static("/chat/static", STATIC, append_version=True)
