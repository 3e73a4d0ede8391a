"""From pieces of text with a position to the lines of a letter, top to bottom.

OCR finds text boxes; a PDF text layer gives text runs. A table row ("Totaal ... € 1.248,37")
is often two or more pieces on the same height: we join them into one line so a label stays
next to its amount. Pieces far apart on one row are joined with a wide gap (three spaces).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """A piece of text and where it was on its page (pixels or points, y grows downwards)."""

    text: str
    score: float
    x0: float
    y0: float
    x1: float
    y1: float
    page: int = 0

    @property
    def height(self) -> float:
        return max(1.0, self.y1 - self.y0)


@dataclass(frozen=True)
class Line:
    """One line of the letter: its text, the OCR's confidence in it, and its place."""

    text: str
    score: float
    page: int
    top: float  # 0 at the top of the page, 1 at the bottom
    index: int


def to_lines(pieces: Iterable[Piece], page_heights: dict[int, float]) -> list[Line]:
    """Group pieces into lines per page: same height on the page means same line."""
    by_page: dict[int, list[Piece]] = {}
    for piece in pieces:
        if piece.text.strip():
            by_page.setdefault(piece.page, []).append(piece)
    lines: list[Line] = []
    for page in sorted(by_page):
        height = page_heights.get(page) or max(p.y1 for p in by_page[page]) or 1.0
        for row in rows(by_page[page]):
            text, score = _join(row)
            top = min(p.y0 for p in row) / height
            lines.append(Line(text, score, page, min(1.0, max(0.0, top)), len(lines)))
    return lines


def rows(pieces: list[Piece]) -> list[list[Piece]]:
    """Pieces on the same height, top to bottom."""
    rows: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p.y0 + p.y1) / 2):
        centre = (piece.y0 + piece.y1) / 2
        for row in reversed(rows[-3:]):
            top = min(p.y0 for p in row)
            bottom = max(p.y1 for p in row)
            row_height = bottom - top
            overlap = min(bottom, piece.y1) - max(top, piece.y0)
            if overlap > 0.5 * min(row_height, piece.height) and top <= centre <= bottom:
                row.append(piece)
                break
        else:
            rows.append([piece])
    return rows


def _join(row: list[Piece]) -> tuple[str, float]:
    row = sorted(row, key=lambda p: p.x0)
    height = sorted(p.height for p in row)[len(row) // 2]
    parts = [row[0].text.strip()]
    for previous, piece in zip(row, row[1:], strict=False):
        gap = piece.x0 - previous.x1
        parts.append("   " if gap > 2.5 * height else " ")
        parts.append(piece.text.strip())
    weight = sum(len(p.text) for p in row) or 1
    score = sum(p.score * len(p.text) for p in row) / weight
    return "".join(parts), score


def lines_from_text(text: str, page: int = 0) -> list[Line]:
    """Lines from plain text (a text layer without positions, or a test)."""
    raw = [line for line in text.splitlines()]
    count = max(1, len(raw))
    return [
        Line(line.strip(), 1.0, page, i / count, i) for i, line in enumerate(raw) if line.strip()
    ]
