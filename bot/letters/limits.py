"""The bounds that keep one hostile file from using much time or memory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one letter; the defaults fit phone photos and letters of a few pages."""

    max_bytes: int = 20 * 1024 * 1024
    # 50 million pixels: a 48 MP phone photo fits; JPEGs are decoded reduced (draft mode)
    max_pixels: int = 50_000_000
    # longest side the OCR sees; letters at this size still have 10-12 px high letters
    ocr_side: int = 1700
    max_pdf_pages: int = 20
    pages_read: int = 4
    # a page side in PDF points (1/72 inch); A3 is 842 x 1191
    max_page_side_pt: float = 3000.0
    # characters taken from a PDF text layer per page
    max_text_chars: int = 40_000
    # all Flate streams of a PDF together, inflated (a scanned page as Flate image is ~7 MB)
    max_inflated_bytes: int = 64 * 1024 * 1024


DEFAULT_LIMITS = Limits()
