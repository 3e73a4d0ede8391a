"""What can go wrong when reading a letter: one clear error type per kind of bad input.

Every error carries a short ``code`` the gateway can map to a resident text and a counter,
and a message for the logs that never contains the file's content.
"""

from __future__ import annotations


class LetterError(Exception):
    """A file we could not read as a letter."""

    code = "unreadable"


class UnsupportedFile(LetterError):
    """Not a JPEG, PNG, WebP or PDF (the bytes decide, not the name or content type)."""

    code = "unsupported"


class FileTooLarge(LetterError):
    """More bytes than a letter photo or PDF can reasonably have."""

    code = "too_large"


class ImageTooLarge(LetterError):
    """An image whose pixel count would need too much memory (a decompression bomb)."""

    code = "image_too_large"


class PdfTooLarge(LetterError):
    """A PDF with too many pages, a giant page, or too much content (a PDF bomb)."""

    code = "pdf_too_large"


class BrokenFile(LetterError):
    """A file that claims a format but cannot be decoded (truncated, corrupt, encrypted)."""

    code = "broken"
