"""WhatsApp Cloud API: verification handshake, signature check, parsing, sending.

The signature (X-Hub-Signature-256) is checked over the raw body before anything is parsed.
Residents are keyed on their WhatsApp id, or on the business-scoped user id (BSUID, 2026) when a
resident uses a username and has no wa_id.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

import aiohttp

from bot.channels.text import split_text
from bot.conversations.models import (
    IGNORED,
    MEDIA,
    TEXT,
    Inbound,
    Reply,
    StatusUpdate,
    clean_text,
)
from bot.conversations.ports import ChannelLoop, SendContext, Template
from bot.errors import ChannelError, RateLimited, RecipientGone, WindowClosed
from bot.media import WhatsAppSource

CHANNEL = "whatsapp"
MAX_TEXT = 4096
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
RATE_LIMIT_CODES = {4, 80007, 130429, 131048, 131056}
GONE_CODES = {131026, 131021, 131030, 368, 131031}
MEDIA_TYPES = {
    "audio": "audio",
    "image": "image",
    "video": "video",
    "sticker": "sticker",
    "document": "document",
    "location": "location",
    "contacts": "contact",
}

FILE_TYPES = frozenset({"image", "document", "audio"})  # what the Media part fetches


def verify_challenge(params: dict[str, str], verify_token: str) -> str | None:
    """The GET handshake: the challenge to echo, or None when the token is wrong."""
    given = params.get("hub.verify_token", "")
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge", "")


def signature_ok(app_secret: str, raw: bytes, header: str | None) -> bool:
    """Constant-time check of X-Hub-Signature-256 over the raw body."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[7:])


def _text_of(message: dict[str, Any]) -> tuple[str, str | None, str, str | None]:
    """(kind, media_type, text, payload) of one inbound message."""
    mtype = message.get("type")
    if mtype == "text":
        return TEXT, None, str((message.get("text") or {}).get("body") or "")[:MAX_TEXT], None
    if mtype == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply")
        if isinstance(reply, dict):
            return TEXT, None, str(reply.get("title") or ""), str(reply.get("id") or "") or None
        return MEDIA, "other", "", None
    if mtype == "button":  # a template quick-reply button: a different shape
        button = message.get("button") or {}
        return TEXT, None, str(button.get("text") or ""), str(button.get("payload") or "") or None
    if mtype == "audio":
        voice = (message.get("audio") or {}).get("voice")
        return MEDIA, "voice" if voice else "audio", "", None
    if mtype in MEDIA_TYPES:
        return MEDIA, MEDIA_TYPES[mtype], "", None
    if mtype in ("reaction", "edit", "revoke", "system", "order", "ephemeral"):
        return IGNORED, None, "", None
    return MEDIA, "other", "", None  # unsupported / unknown: answer kindly


def parse_webhook(
    body: dict[str, Any], phone_number_id: str | None = None
) -> tuple[list[Inbound], list[StatusUpdate]]:
    """All messages and statuses in a webhook body (every entry, change, message, status)."""
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        raise ValueError("not a WhatsApp Business Account webhook")
    inbound: list[Inbound] = []
    statuses: list[StatusUpdate] = []
    for entry in body.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            ours = (value.get("metadata") or {}).get("phone_number_id")
            if phone_number_id and ours and ours != phone_number_id:
                continue  # another number of the same business account
            contacts = value.get("contacts") or []
            for message in value.get("messages") or []:
                parsed = _parse_message(message, contacts)
                if parsed:
                    inbound.append(parsed)
            for status in value.get("statuses") or []:
                if status.get("id") and status.get("status"):
                    errors = status.get("errors") or [{}]
                    statuses.append(
                        StatusUpdate(
                            CHANNEL,
                            clean_text(str(status["id"])),
                            clean_text(str(status["status"])),
                            errors[0].get("code"),
                        )
                    )
    return inbound, statuses


def _parse_message(message: dict[str, Any], contacts: list[dict[str, Any]]) -> Inbound | None:
    wamid = message.get("id")
    contact = contacts[0] if contacts else {}
    wa_id = message.get("from") or contact.get("wa_id")
    bsuid = message.get("from_user_id") or contact.get("user_id")
    if not wamid or not (wa_id or bsuid):
        return None
    sender = f"wa:{wa_id}" if wa_id else f"bsuid:{bsuid}"
    address = f"to:{wa_id}" if wa_id else f"recipient:{bsuid}"
    kind, media_type, text, payload = _text_of(message)
    media = message.get(str(message.get("type"))) if kind == MEDIA else None
    extra: dict[str, Any] = {}
    if message.get("type") in FILE_TYPES and isinstance(media, dict) and media.get("id"):
        # fetched later by the Media part: media id -> Graph API URL -> bytes
        extra["media"] = {"id": str(media["id"]), "mime": media.get("mime_type")}
    return Inbound(
        channel=CHANNEL,
        dedupe_key=str(wamid),
        sender=sender,
        address=address,
        kind=kind,
        text=text,
        payload=payload,
        media_type=media_type,
        channel_message_id=None if kind == IGNORED else f"wa:{wamid}",
        extra=extra,
    ).cleaned()  # valid Unicode before anything is stored (a lone surrogate, a NUL)


def build_message(address: str, reply: Reply, text: str) -> dict[str, Any]:
    """The Cloud API body for one reply: text, reply buttons (≤3, ≤20 chars) or a list."""
    field, _, to = address.partition(":")
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    body["recipient" if field == "recipient" else "to"] = to
    buttons = reply.buttons
    if not buttons:
        body.update(type="text", text={"body": text, "preview_url": False})
        return body
    if len(buttons) <= MAX_BUTTONS and all(len(t) <= MAX_BUTTON_TITLE for t, _ in buttons):
        action = {
            "buttons": [{"type": "reply", "reply": {"id": p[:256], "title": t}} for t, p in buttons]
        }
        body.update(
            type="interactive",
            interactive={"type": "button", "body": {"text": text[:1024]}, "action": action},
        )
        return body
    rows = [{"id": p[:200], "title": t[:MAX_ROW_TITLE]} for t, p in buttons[:MAX_ROWS]]
    body.update(
        type="interactive",
        interactive={
            "type": "list",
            "body": {"text": text[:4096]},
            "action": {"button": "Kies", "sections": [{"title": "Keuzes", "rows": rows}]},
        },
    )
    return body


def build_template(address: str, template: Template) -> dict[str, Any]:
    """The Cloud API body of an approved template message, as Meta documents it."""
    field, _, to = address.partition(":")
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    body["recipient" if field == "recipient" else "to"] = to
    spec: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if template.parameters:
        spec["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": p} for p in template.parameters],
            }
        ]
    body.update(type="template", template=spec)
    return body


class WhatsAppChannel:
    """Sends through the Graph API (its base URL is configurable for the local fake)."""

    name = CHANNEL
    # pair rate: one business number to one user is about 1 per 6 s with bursts; a short gap
    # keeps the order without slowing a normal reply down
    pacing = 1.0
    window: timedelta | None = timedelta(hours=24)  # the customer-service window

    def __init__(
        self, session: aiohttp.ClientSession, graph_url: str, phone_number_id: str, token: str
    ) -> None:
        self._session, self._token, self._graph_url = session, token, graph_url
        self._url = f"{graph_url.rstrip('/')}/{phone_number_id}/messages"

    def media_source(self, http: aiohttp.ClientSession) -> WhatsAppSource:
        """Where the Media part fetches residents' files (media id -> URL -> bytes)."""
        return WhatsAppSource(http, self._graph_url, self._token)

    async def start(self) -> None:
        """Nothing to open: the HTTP session is the app's."""

    async def stop(self) -> None:
        """Nothing to close."""

    def loops(self) -> list[ChannelLoop]:
        """Webhooks only: no loops."""
        return []

    async def send_template(self, address: str, template: Template) -> str:
        """Send the approved template; return the wamid."""
        return await self._post(build_template(address, template))

    async def send(self, address: str, reply: Reply, context: SendContext | None = None) -> str:
        """Send one reply; return the wamid. Raises ChannelError subclasses."""
        parts = split_text(reply.text or " ", MAX_TEXT if not reply.buttons else 1024)
        last = ""
        for i, part in enumerate(parts):
            piece = reply if i == len(parts) - 1 else Reply(part)
            last = await self._post(build_message(address, piece, part))
        return last

    async def _post(self, body: dict[str, Any]) -> str:
        try:
            async with self._session.post(
                self._url,
                json=body,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=aiohttp.ClientTimeout(total=15),
            ) as resp:
                data = await resp.json(content_type=None)
                if resp.status == 200:
                    return f"wa:{data['messages'][0]['id']}"
                error = (data or {}).get("error") or {}
                raise classify_error(resp.status, error, resp.headers.get("Retry-After"))
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError, TypeError) as exc:
            raise ChannelError(exc.__class__.__name__) from exc


def classify_error(status: int, error: dict[str, Any], retry_after: str | None) -> ChannelError:
    """Map a Graph API error to our error tree (rate limits retry, policy errors do not)."""
    code = error.get("code")
    if code == 131047:
        return WindowClosed("24-hour window closed; a template is needed", code=code)
    if status == 429 or code in RATE_LIMIT_CODES:
        try:
            wait = float(retry_after) if retry_after else 6.0
        except ValueError:
            wait = 6.0
        return RateLimited(wait, code=code)
    if code in GONE_CODES:
        return RecipientGone(f"recipient unreachable ({code})", code=code)
    failure = ChannelError(f"graph api error {code or status}", code=code or status)
    failure.retryable = status >= 500 or code in (131000, 131016, 1, 2)
    return failure
