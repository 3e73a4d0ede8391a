"""The Media part's face: fetch a channel's file, check it, keep it sealed, open it again.

Checks, in order: the size (before and during a download), the magic bytes (`sniff`), and
for images a real decode with a pixel cap (a broken or bomb-sized image is refused). PDFs get
a structural check here; what is inside a PDF is judged by the letter reader.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from bot.media.download import Source
from bot.media.errors import MediaRefused, MediaUnavailable
from bot.media.sniff import IMAGE, MAX_BYTES, PDF, Sniffed, sniff
from bot.media.store import MediaStore

MAX_PIXELS = 50_000_000  # a 48 MP phone photo fits


def check_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> Sniffed:
    """Sniff ``data`` and make sure an image decodes and a PDF is whole. CPU: run in a thread.

    Raises MediaRefused ("unsupported", "too_large" or "broken").
    """
    sniffed = sniff(data, max_bytes)
    if sniffed.kind == IMAGE:
        _check_image(data)
    elif sniffed.kind == PDF and b"%%EOF" not in data[-2048:]:
        raise MediaRefused("PDF without its end marker", code="broken")
    return sniffed


def _check_image(data: bytes) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise MediaRefused(f"{width}x{height} pixels", code="too_large")
                if image.format == "JPEG":
                    image.draft("RGB", (1600, 1600))  # decoded reduced: the check stays cheap
                image.load()
    except MediaRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Warning) as exc:
        raise MediaRefused(exc.__class__.__name__, code="broken") from exc
    except Image.DecompressionBombError as exc:
        raise MediaRefused("decompression bomb", code="too_large") from exc


@dataclass
class Media:
    """Fetches, checks and keeps residents' files for every channel that has a source."""

    store: MediaStore
    sources: dict[str, Source] = field(default_factory=dict)
    max_bytes: int = MAX_BYTES

    async def fetch(self, channel: str, ref: dict[str, Any]) -> bytes:
        """The bytes of a channel's file. Raises MediaRefused or MediaUnavailable."""
        source = self.sources.get(channel)
        if source is None:
            raise MediaUnavailable(f"no media source for {channel}")
        return await source.fetch(ref)

    async def check(self, data: bytes) -> Sniffed:
        """`check_bytes` in a worker thread (images are decoded)."""
        return await asyncio.to_thread(check_bytes, data, self.max_bytes)
