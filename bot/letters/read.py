"""``read_letter``: bytes in, a reading out. Synchronous and CPU-bound.

The caller (the gateway) runs it in a process or thread pool. It reads nothing but the bytes
it is given, writes nothing, and logs no content: only the file kind, the page count and the
time it took.
"""

from __future__ import annotations

import logging
import time

from bot.letters import images, intake, ocr, pdf
from bot.letters.extract import extract
from bot.letters.layout import Line, Piece, to_lines
from bot.letters.limits import DEFAULT_LIMITS, Limits
from bot.letters.reading import LetterReading

log = logging.getLogger(__name__)


def read_letter(
    data: bytes,
    content_type: str | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    threads: int = 0,
) -> LetterReading:
    """Read a photographed or scanned letter (JPEG, PNG, WebP) or a PDF.

    Raises a ``bot.letters.errors.LetterError`` subclass for a file we will not read.
    """
    started = time.perf_counter()
    kind = intake.sniff(data, content_type, limits)
    if kind == "pdf":
        lines, engine, pages = _read_pdf(data, limits, threads)
    else:
        rgb = images.decode(data, limits)
        page = images.prepare(rgb, limits)
        pieces, engine = ocr.engine(threads).read(page, 0)
        lines, pages = to_lines(pieces, {0: float(page.shape[0])}), 1
    reading = extract(lines, engine=engine, pages=pages)
    log.info(
        "letter read: file=%s pages=%d engine=%s seconds=%.2f",
        kind,
        pages,
        engine,
        time.perf_counter() - started,
    )
    return reading


def _read_pdf(data: bytes, limits: Limits, threads: int) -> tuple[list[Line], str, int]:
    pieces: list[Piece] = []
    heights: dict[int, float] = {}
    engines: set[str] = set()
    pdf_pages = pdf.read_pdf(data, limits)
    for page in pdf_pages:
        heights[page.number] = page.height
        if page.image is not None:
            prepared = images.prepare(page.image, limits)
            heights[page.number] = float(prepared.shape[0])
            found, engine = ocr.engine(threads).read(prepared, page.number)
            pieces.extend(found)
            engines.add(engine)
        else:
            pieces.extend(page.pieces)
            engines.add("pdf-text")
    return to_lines(pieces, heights), "+".join(sorted(engines)), len(pdf_pages)
