"""Which kind of file the bytes are: sniffed from their first bytes, never from a name."""

from __future__ import annotations

from typing import Literal

from bot.letters.errors import FileTooLarge, UnsupportedFile
from bot.letters.limits import Limits

FileKind = Literal["jpeg", "png", "webp", "pdf"]

_CONTENT_TYPES: dict[str, FileKind] = {
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


def sniff(data: bytes, content_type: str | None, limits: Limits) -> FileKind:
    """The file's kind from its magic bytes; the content type is only a hint that must agree."""
    if len(data) > limits.max_bytes:
        raise FileTooLarge(f"{len(data)} bytes, at most {limits.max_bytes}")
    if not data:
        raise UnsupportedFile("empty file")
    kind = _magic(data)
    if kind is None:
        raise UnsupportedFile("not a JPEG, PNG, WebP or PDF")
    hinted = _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if hinted is not None and (hinted == "pdf") != (kind == "pdf"):
        raise UnsupportedFile(f"content type {content_type} but the bytes are {kind}")
    return kind


def _magic(data: bytes) -> FileKind | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    # a PDF header may follow a little junk (the PDF spec allows it within the first 1024 bytes)
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None
