"""Webhook endpoints: verify, parse, deduplicate, persist, then acknowledge (fast).

Slow work never happens here: the inbox worker processes stored messages in the background.
Bad input gets a clear status without a stack trace; valid but useless payloads get 200 so the
channel does not retry them for days.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from bot import keys
from bot.channels import telegram, whatsapp
from bot.conversations import store
from bot.conversations.models import Inbound
from bot.conversations.worker import record_status
from bot.privacy.pseudonym import pseudonym

logger = logging.getLogger(__name__)
FLOOD_WINDOW = 60.0
FLOOD_MAX = 30  # messages per sender (and per web-chat connection) per minute, then slower
FLOOD_MAX_ADDRESS = 120  # per network address of the web chat (a library, an office: shared)
FLOOD_SPACING = 2.0  # seconds between the messages of a flooding sender


def sender_hash(request: Any, inbound: Inbound) -> str:
    """The keyed hash that identifies a resident on a channel (never the raw id)."""
    app: Any = request.config_dict if isinstance(request, web.Request) else request
    key = str(app[keys.SETTINGS].pseudonym_key)
    return pseudonym(key, f"{inbound.channel}:{inbound.sender}", purpose="identity", length=40)


async def accept(
    request: Any,
    inbound: Inbound,
    *,
    limits: Sequence[tuple[str, int]] = (),
) -> bool:
    """Store one inbound message (idempotent), then flood control, then wake the worker.

    Deduplication comes first, so a channel's redeliveries never count against the resident.
    A flooding sender is slowed down with one kind notice; the message itself is never dropped.
    Storage errors propagate (the middleware answers 503, so the channel retries).
    ``limits`` adds flood keys besides the sender (web chat: the connection, the address).
    """
    app: Any = request.config_dict if isinstance(request, web.Request) else request
    inbound = inbound.cleaned()
    digest = sender_hash(app, inbound)
    factory = app[keys.DB]
    item_id = await store.accept_inbound(factory, inbound, digest)
    if item_id is None:
        return False
    try:
        await _flood_control(app, factory, item_id, [(digest, FLOOD_MAX), *limits])
    except Exception as exc:  # noqa: BLE001 - counters down: accept unthrottled, never lose it
        logger.warning("flood control unavailable (%s)", exc.__class__.__name__)
    app[keys.INBOX].wake.set()
    return True


async def _flood_control(
    app: Mapping[Any, Any], factory: Any, item_id: int, limits: Sequence[tuple[str, int]]
) -> None:
    counters = app[keys.COUNTERS]
    over = 0
    first_key = limits[0][0]
    for key, limit in limits:
        count = await counters.count(key, FLOOD_WINDOW)
        over = max(over, count - limit)
    if over > 0:
        notice = await counters.once(f"notice:{first_key}", FLOOD_WINDOW)
        logger.info("flood control: slowing a sender down (%s…)", first_key[:8])
        await store.slow_down(factory, item_id, delay=over * FLOOD_SPACING, notice=notice)


async def accept_update(app: Mapping[Any, Any], channel: str, update: dict[str, Any]) -> None:
    """Store an update fetched by polling (Telegram without a webhook)."""
    from bot.channels import telegram

    if channel != telegram.CHANNEL:
        raise ValueError(f"no polling for {channel}")
    try:
        inbound = telegram.parse_update(update)
    except Exception:  # noqa: BLE001 - a strange update is skipped, like the webhook acks it
        logger.warning("telegram update could not be parsed; skipped")
        return
    if inbound is not None:
        await accept(app, inbound)


async def read_json(request: web.Request, raw: bytes) -> Any:
    """Parse JSON or answer 400 (no stack trace)."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="malformed JSON") from None


async def telegram_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/telegram: secret token, parse, dedupe by update_id, store, 200."""
    settings = request.config_dict[keys.SETTINGS]
    if not telegram.secret_ok(
        str(settings.telegram_webhook_secret),
        request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
    ):
        raise web.HTTPForbidden(text="forbidden")
    update = await read_json(request, await request.read())
    try:
        inbound = telegram.parse_update(update)
    except ValueError:
        raise web.HTTPBadRequest(text="not a Telegram update") from None
    except Exception:  # noqa: BLE001 - a strange update must never make Telegram retry forever
        logger.exception("telegram update could not be parsed; acknowledged")
        return web.json_response({"ok": True})
    if inbound is not None:
        await accept(request, inbound)
    return web.json_response({"ok": True})


async def whatsapp_verify(request: web.Request) -> web.Response:
    """GET /webhooks/whatsapp: Meta's verification handshake."""
    settings = request.config_dict[keys.SETTINGS]
    challenge = whatsapp.verify_challenge(dict(request.query), str(settings.whatsapp_verify_token))
    if challenge is None:
        raise web.HTTPForbidden(text="forbidden")
    return web.Response(text=challenge, content_type="text/plain")


async def whatsapp_webhook(request: web.Request) -> web.Response:
    """POST /webhooks/whatsapp: signature over the raw body, parse, dedupe by wamid, store, 200."""
    settings = request.config_dict[keys.SETTINGS]
    raw = await request.read()
    if not whatsapp.signature_ok(
        str(settings.whatsapp_app_secret), raw, request.headers.get("X-Hub-Signature-256")
    ):
        raise web.HTTPForbidden(text="forbidden")
    body = await read_json(request, raw)
    try:
        messages, statuses = whatsapp.parse_webhook(body, settings.whatsapp_phone_number_id or None)
    except ValueError:
        raise web.HTTPBadRequest(text="not a WhatsApp webhook") from None
    except Exception:  # noqa: BLE001
        logger.exception("whatsapp webhook could not be parsed; acknowledged")
        return web.json_response({"ok": True})
    for inbound in messages:
        await accept(request, inbound)
    for status in statuses:
        await record_status(
            request.config_dict[keys.DB], f"wa:{status.channel_message_id}", status.status
        )
    return web.json_response({"ok": True})


def setup_webhooks(app: web.Application) -> None:
    """Register the webhook routes."""
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    app.router.add_get("/webhooks/whatsapp", whatsapp_verify)
    app.router.add_post("/webhooks/whatsapp", whatsapp_webhook)
