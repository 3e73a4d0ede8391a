"""Webhook endpoints: verify, parse, deduplicate, persist, then acknowledge (fast).

Slow work never happens here: the inbox worker processes stored messages in the background.
Bad input gets a clear status without a stack trace; valid but useless payloads get 200 so the
channel does not retry them for days.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bot import keys
from bot.channels import telegram, whatsapp
from bot.conversations.intake import Intake
from bot.conversations.keys import INTAKE
from bot.conversations.worker import record_status

logger = logging.getLogger(__name__)


async def accept_update(intake: Intake, channel: str, update: dict[str, Any]) -> None:
    """Store an update fetched by polling (Telegram without a webhook)."""
    if channel != telegram.CHANNEL:
        raise ValueError(f"no polling for {channel}")
    try:
        inbound = telegram.parse_update(update)
    except Exception:  # noqa: BLE001 - a strange update is skipped, like the webhook acks it
        logger.warning("telegram update could not be parsed; skipped")
        return
    if inbound is not None:
        await intake.accept(inbound)


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
        await request.config_dict[INTAKE].accept(inbound)
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
        await request.config_dict[INTAKE].accept(inbound)
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
