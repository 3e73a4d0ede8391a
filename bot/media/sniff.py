"""What a file is, judged by its first bytes (magic numbers), never by its name or by the
content type the sender claims: JPEG, PNG, PDF and OGG/Opus voice notes are taken."""

from __future__ import annotations

from dataclasses import dataclass

from bot.media.errors import MediaRefused

MAX_BYTES = 10 * 1024 * 1024  # a phone photo is 2-5 MB; a scanned PDF of a few pages fits
IMAGE, PDF, VOICE = "image", "pdf", "voice"


@dataclass(frozen=True)
class Sniffed:
    """A file's kind (image, pdf, voice) and the content type we serve it with."""

    kind: str
    content_type: str


def sniff(data: bytes, max_bytes: int = MAX_BYTES) -> Sniffed:
    """The kind of ``data`` from its magic bytes. Raises MediaRefused (unsupported, too_large)."""
    if len(data) > max_bytes:
        raise MediaRefused(f"{len(data)} bytes", code="too_large")
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed(IMAGE, "image/jpeg")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed(IMAGE, "image/png")
    if data.startswith(b"%PDF-"):
        return Sniffed(PDF, "application/pdf")
    # an Ogg page whose first packet is an Opus identification header
    if data.startswith(b"OggS") and b"OpusHead" in data[:80]:
        return Sniffed(VOICE, "audio/ogg")
    raise MediaRefused("not JPEG, PNG, PDF or OGG/Opus", code="unsupported")
