"""Channel-neutral messages: what adapters produce and consume (no SDK types beyond channels/)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

# kinds of inbound message
TEXT = "text"  # typed text or a button press (payload set)
MEDIA = "media"  # voice, audio, photo, video, sticker, document, location, contact
IGNORED = "ignored"  # reactions, edits, service messages: recorded, not answered

# C0/C1 control characters except tab and newline (NUL breaks PostgreSQL text), and the
# invisible format characters that hide text (bidi overrides, zero-width) but not emoji joiners
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
# a surrogate code point on its own is not Unicode text: JSON allows "\ud800", but neither
# UTF-8 (SQLite, PostgreSQL) nor Rasa can store it. json.loads joins valid pairs into one
# character, so every surrogate left in a str is a lone one: it becomes U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """Text fit to store and to answer: valid Unicode (NFC), control characters out."""
    text = _SURROGATE.sub(REPLACEMENT, value)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", text).strip()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@dataclass(frozen=True)
class Inbound:
    """A resident's message as the gateway sees it, whatever the channel."""

    channel: str
    dedupe_key: str  # update id / wamid: a redelivery has the same key
    sender: str  # the channel's user id (wa_id, BSUID, chat id, web token): personal data
    address: str  # where to answer (chat id, wa_id or BSUID, web token)
    kind: str = TEXT
    text: str = ""
    payload: str | None = None  # a button's payload, e.g. "/find_local_help"
    media_type: str | None = None  # voice | photo | sticker | …
    channel_message_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def cleaned(self) -> Inbound:
        """The same message with control characters removed from every text (at the edge)."""
        return replace(
            self,
            text=clean_text(self.text),
            payload=clean_text(self.payload) if self.payload is not None else None,
            dedupe_key=clean_text(self.dedupe_key),
            sender=clean_text(self.sender),
            address=clean_text(self.address),
            channel_message_id=(
                clean_text(self.channel_message_id) if self.channel_message_id else None
            ),
            extra=_clean(self.extra),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict for the durable inbox."""
        return {
            "channel": self.channel,
            "dedupe_key": self.dedupe_key,
            "sender": self.sender,
            "address": self.address,
            "kind": self.kind,
            "text": self.text,
            "payload": self.payload,
            "media_type": self.media_type,
            "channel_message_id": self.channel_message_id,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Inbound:
        """Back from the inbox (processing marks such as 'stored' are not part of the message)."""
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Reply:
    """One message to a resident: text, optional buttons (title, payload), and who wrote it.

    ``author`` is None for the assistant; for a person it is {"type": "person", "name": first
    name, "role": "ervaringsdeskundige" | "schuldhulpverlener" …} so that channels can show
    who is writing (the web chat labels it; other channels get the name in the text).
    """

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    author: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict for the outbox."""
        data: dict[str, Any] = {"text": self.text, "buttons": [list(b) for b in self.buttons]}
        if self.author:
            data["author"] = dict(self.author)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        """Back from the outbox."""
        author = data.get("author")
        return cls(
            text=data.get("text", ""),
            buttons=tuple((str(b[0]), str(b[1])) for b in data.get("buttons") or ()),
            author=dict(author) if isinstance(author, dict) else None,
        )


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery status from the channel (sent, delivered, read, failed)."""

    channel: str
    channel_message_id: str
    status: str
    error_code: int | None = None
