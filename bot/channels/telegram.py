"""Telegram: secret-token check, update parsing, sending with python-telegram-bot, polling.

Updates are parsed from the raw JSON (Telegram's own documentation examples lack fields that
python-telegram-bot requires, and a parse error must never make Telegram retry forever). Sending
goes through `telegram.Bot`, pointed at a local fake in tests with `base_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import logging
import ssl
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.channels.text import split_text
from bot.conversations.models import IGNORED, MEDIA, TEXT, Inbound, Reply
from bot.conversations.ports import ChannelLoop, SendContext, Template
from bot.errors import ChannelError, RateLimited, RecipientGone
from bot.media import MAX_BYTES, TelegramSource

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
MEDIA_KEYS = {
    "voice": "voice",
    "audio": "audio",
    "photo": "photo",
    "video": "video",
    "video_note": "video",
    "sticker": "sticker",
    "document": "document",
    "animation": "video",
    "location": "location",
    "venue": "location",
    "contact": "contact",
    "dice": "sticker",
    "poll": "other",
}


def secret_ok(expected: str, given: str | None) -> bool:
    """Constant-time check of the X-Telegram-Bot-Api-Secret-Token header."""
    return bool(expected) and hmac.compare_digest(expected.encode(), (given or "").encode())


def parse_update(update: dict[str, Any]) -> Inbound | None:
    """Turn an Update into an Inbound (cleaned to valid text), or None when there is nothing to
    record."""
    inbound = _parse_update(update)
    return inbound.cleaned() if inbound is not None else None


def _parse_update(update: dict[str, Any]) -> Inbound | None:
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        raise ValueError("not a Telegram update")
    key = str(update["update_id"])
    if isinstance(update.get("callback_query"), dict):
        query = update["callback_query"]
        user = query.get("from") or {}
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        chat_id = chat.get("id", user.get("id"))
        if chat_id is None:
            return None
        return Inbound(
            channel=CHANNEL,
            dedupe_key=key,
            sender=str(user.get("id", chat_id)),
            address=str(chat_id),
            kind=TEXT,
            payload=str(query.get("data") or ""),
            extra={"callback_query_id": query.get("id")},
        )
    for field in ("message", "edited_message"):
        message = update.get(field)
        if not isinstance(message, dict):
            continue
        chat = message.get("chat") or {}
        user = message.get("from") or {}
        if "id" not in chat:
            return None
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "dedupe_key": key,
            "sender": str(user.get("id", chat["id"])),
            "address": str(chat["id"]),
            "channel_message_id": f"tg:{chat['id']}:{message.get('message_id')}",
        }
        if chat.get("type") not in (None, "private"):
            if field == "message" and (message.get("text") or "").startswith("/"):
                return Inbound(kind="group", text="", **base)
            return Inbound(kind=IGNORED, **{**base, "channel_message_id": None})
        if field == "edited_message":
            # an edit of an earlier message: recorded, not answered a second time
            return Inbound(kind=IGNORED, **{**base, "channel_message_id": None})
        text = message.get("text")
        if isinstance(text, str):
            if text.strip().split("@")[0] == "/start":
                return Inbound(kind=TEXT, text="hallo", payload="/greet", **base)
            return Inbound(kind=TEXT, text=text[:MAX_TEXT], **base)
        for media_key, media_type in MEDIA_KEYS.items():
            if media_key in message:
                extra = {"media": ref} if (ref := file_ref(message, media_key)) else {}
                return Inbound(kind=MEDIA, media_type=media_type, extra=extra, **base)
        return Inbound(kind=IGNORED, **{**base, "channel_message_id": None})  # service messages
    return None  # my_chat_member, unknown kinds: nothing to answer


def file_ref(message: dict[str, Any], media_key: str) -> dict[str, Any] | None:
    """The file a photo, document or voice message carries, for the Media part to fetch with
    getFile: the largest photo size within the limit, else the file itself (id, size, type)."""
    if media_key == "photo":
        sizes = [p for p in message.get("photo") or [] if isinstance(p, dict) and p.get("file_id")]
        fitting = [p for p in sizes if _number(p.get("file_size")) <= MAX_BYTES]
        chosen = max(
            fitting or sizes,
            key=lambda p: _number(p.get("width")) * _number(p.get("height")),
            default=None,
        )
    elif media_key in ("document", "voice", "audio"):
        chosen = message.get(media_key)
    else:
        return None
    if not isinstance(chosen, dict) or not chosen.get("file_id"):
        return None
    return {
        "id": str(chosen["file_id"]),
        "size": chosen.get("file_size"),
        "mime": chosen.get("mime_type"),
    }


def _number(value: Any) -> int:
    return value if isinstance(value, int) else 0


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's verified TLS context, made once per process and shared by both clients (reading
    the CA bundle costs tens of milliseconds per client)."""
    return httpx.create_ssl_context()


class TelegramChannel:
    """Sends replies through python-telegram-bot's Bot (its base_url is configurable)."""

    name = CHANNEL
    pacing = 1.0  # Telegram: about one message per second per chat
    window: timedelta | None = None

    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        accept: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
        health: Any = None,
    ) -> None:
        self._accept, self._health = accept, health
        self._token, self._base_url = token, base_url
        self.bot = Bot(
            token=token,
            base_url=base_url,
            request=HTTPXRequest(
                connection_pool_size=16,
                read_timeout=15,
                connect_timeout=5,
                httpx_kwargs={"verify": _tls()},
            ),
            get_updates_request=HTTPXRequest(read_timeout=40, httpx_kwargs={"verify": _tls()}),
        )

    def media_source(self, http: aiohttp.ClientSession) -> TelegramSource:
        """Where the Media part fetches this bot's files (getFile, then the file path)."""
        return TelegramSource(http, self._base_url, self._token)

    async def start(self) -> None:
        """Open the HTTP pools and check the token (getMe); a failure is logged, not fatal."""
        try:
            await self.bot.initialize()
        except TelegramError:
            logger.warning("telegram getMe failed at start; sends will be retried")

    async def stop(self) -> None:
        """Close the HTTP pools."""
        with contextlib.suppress(TelegramError, RuntimeError):
            await self.bot.shutdown()

    async def typing(self, address: str) -> None:
        """Show "typing…" in the resident's chat (sendChatAction; Telegram shows it 5 s or until
        the next message). Raises ChannelError; the caller throttles and never retries."""
        try:
            await self.bot.send_chat_action(chat_id=int(address), action="typing")
        except (ValueError, TelegramError) as exc:
            raise ChannelError(exc.__class__.__name__) from exc

    async def send(self, address: str, reply: Reply, context: SendContext) -> str:
        """Send one reply; return the message id. Raises ChannelError subclasses."""
        try:
            chat_id = int(address)
        except ValueError:
            error = ChannelError("malformed chat id")
            error.retryable = False  # it will never become valid: give up at once, visibly
            raise error from None
        markup = None
        if reply.buttons:
            rows = []
            for title, payload in reply.buttons:
                data = payload
                if len(payload.encode()) > MAX_CALLBACK_BYTES:
                    data = await context.short_payload(payload)
                rows.append([InlineKeyboardButton(title, callback_data=data)])
            markup = InlineKeyboardMarkup(rows)
        parts = split_text(reply.text or " ")
        last_id = ""
        try:
            for i, part in enumerate(parts):
                sent = await self.bot.send_message(
                    chat_id=chat_id,
                    text=part,
                    reply_markup=markup if i == len(parts) - 1 else None,
                )
                last_id = f"tg:{address}:{sent.message_id}"
        except RetryAfter as exc:
            retry = exc.retry_after
            raise RateLimited(
                float(retry.total_seconds() if hasattr(retry, "total_seconds") else retry)
            ) from exc
        except Forbidden as exc:
            raise RecipientGone("blocked by the user", code=403) from exc
        except BadRequest as exc:
            error = ChannelError(f"bad request: {exc.message[:80]}", code=400)
            error.retryable = False
            raise error from exc
        except (TimedOut, NetworkError, TelegramError) as exc:
            raise ChannelError(exc.__class__.__name__) from exc
        return last_id

    async def send_template(self, address: str, template: Template) -> str:
        """Telegram has no customer-service window and no templates."""
        error = ChannelError("telegram has no templates")
        error.retryable = False
        raise error

    def loops(self) -> list[ChannelLoop]:
        """Polling, when there is no webhook and an accept function was given."""
        return [self.poll] if self._accept is not None else []

    async def acknowledge(self, inbound: Inbound) -> None:
        """After a button press was handled: stop the button's spinner."""
        query_id = inbound.extra.get("callback_query_id")
        if query_id:
            await self.answer_callback(str(query_id))

    async def answer_callback(self, callback_query_id: str) -> None:
        """Stop the button's spinner (always answer, also for stale buttons)."""
        with contextlib.suppress(TelegramError):
            await self.bot.answer_callback_query(callback_query_id)

    async def poll(self, stop: asyncio.Event) -> None:
        """Polling mode for local use without a public URL: getUpdates in a loop.

        Survives every error (network, Telegram, our own database) with backoff. The offset
        moves past an update only after it was stored, so nothing is skipped.
        """
        assert self._accept is not None
        offset: int | None = None
        errors = 0
        with contextlib.suppress(TelegramError):
            await self.bot.delete_webhook(drop_pending_updates=False)
        while not stop.is_set():
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=25)
                for update in updates:
                    await self._accept(update.to_dict())
                    offset = update.update_id + 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - polling must never end on an error
                errors += 1
                if self._health is not None:
                    self._health.failing("telegram_polling", exc)
                logger.warning("telegram polling failed (%s); retrying", exc.__class__.__name__)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), timeout=min(30.0, 0.5 * 2 ** min(errors, 6))
                    )
                continue
            errors = 0
            if self._health is not None:
                self._health.ok("telegram_polling")
