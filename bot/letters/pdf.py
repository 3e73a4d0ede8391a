"""PDFs: the text layer where there is one, otherwise each page as an image for the OCR.

PDFium is not thread-safe, so one lock guards every call into it. A hostile PDF is stopped
before any heavy work: too many pages, a giant page, or more text than a letter has.
"""

from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass, field

import numpy as np
import pypdfium2 as pdfium

from bot.letters.errors import BrokenFile, PdfTooLarge
from bot.letters.layout import Piece
from bot.letters.limits import Limits

_PDFIUM = threading.Lock()
# fewer letters than this on a page: a scan, read by OCR
_MIN_TEXT = 40


@dataclass
class PdfPage:
    """One page: text pieces from its text layer, or a rendered image for the OCR."""

    number: int
    height: float
    pieces: list[Piece] = field(default_factory=list)
    image: np.ndarray | None = None


def read_pdf(data: bytes, limits: Limits) -> list[PdfPage]:
    """The first pages of the PDF, within the limits."""
    guard(data, limits)
    with _PDFIUM:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise BrokenFile(f"PDF cannot be opened: {exc}") from exc
        try:
            count = len(document)
            if count == 0:
                raise BrokenFile("PDF without pages")
            if count > limits.max_pdf_pages:
                raise PdfTooLarge(f"{count} pages, at most {limits.max_pdf_pages}")
            return [
                _read_page(document, number, limits)
                for number in range(min(count, limits.pages_read))
            ]
        finally:
            document.close()


_STREAM = re.compile(rb"stream\r?\n")
# 256 opening brackets in a row: no letter nests arrays or dictionaries that deep
_NESTING = re.compile(rb"(?:\[\s*){256}|(?:<<\s*){256}")


def guard(data: bytes, limits: Limits) -> None:
    """Refuse a PDF bomb before PDFium sees it: deep nesting, or streams that inflate too far.

    Every Flate stream is inflated in chunks against one budget for the whole file; a stream
    that is not Flate (a JPEG scan) fails at once and costs nothing.
    """
    if _NESTING.search(data):
        raise PdfTooLarge("nested too deeply")
    budget = limits.max_inflated_bytes
    for match in _STREAM.finditer(data):
        inflater = zlib.decompressobj()
        position = match.end()
        try:
            while position < len(data):
                chunk = data[position : position + 65536]
                position += len(chunk)
                out = inflater.decompress(chunk, budget + 1)
                budget -= len(out)
                while inflater.unconsumed_tail and budget >= 0:
                    out = inflater.decompress(inflater.unconsumed_tail, budget + 1)
                    budget -= len(out)
                if budget < 0:
                    raise PdfTooLarge("streams inflate to more than a letter needs")
                if inflater.eof:
                    break
        except zlib.error:
            continue


def _read_page(document: pdfium.PdfDocument, number: int, limits: Limits) -> PdfPage:
    try:
        page = document[number]
    except pdfium.PdfiumError as exc:
        raise BrokenFile(f"page {number + 1} cannot be read") from exc
    try:
        width, height = page.get_size()
        if max(width, height) > limits.max_page_side_pt or min(width, height) < 36:
            raise PdfTooLarge(f"page {number + 1} is {width:.0f} x {height:.0f} points")
        pieces = _text_pieces(page, number, height, limits)
        if sum(len(p.text.strip()) for p in pieces) >= _MIN_TEXT:
            return PdfPage(number, height, pieces=pieces)
        scale = limits.ocr_side / max(width, height)
        bitmap = page.render(scale=scale, may_draw_forms=False)
        try:
            image = np.array(bitmap.to_numpy()[:, :, :3][:, :, ::-1])  # BGR(x) to RGB
        finally:
            bitmap.close()
        return PdfPage(number, float(image.shape[0]), image=image)
    finally:
        page.close()


def _text_pieces(page: pdfium.PdfPage, number: int, height: float, limits: Limits) -> list[Piece]:
    textpage = page.get_textpage()
    try:
        if textpage.count_chars() > limits.max_text_chars:
            raise PdfTooLarge(f"page {number + 1} has more text than a letter")
        pieces = []
        for index in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(index)
            text = textpage.get_text_bounded(left, bottom, right, top)
            if text.strip():
                pieces.append(
                    Piece(
                        " ".join(text.split()),
                        1.0,
                        left,
                        height - top,
                        right,
                        height - bottom,
                        number,
                    )
                )
        return pieces
    finally:
        textpage.close()
