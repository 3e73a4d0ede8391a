"""CSV cells that a spreadsheet never runs as a formula (CSV / formula injection, issue 11).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or the
full-width forms of the first four) gets a leading apostrophe, as OWASP advises: Excel and
LibreOffice then show it as text. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """``value``, made harmless when it is text a spreadsheet could read as a formula."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def to_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A whole CSV document with every cell (header too) made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
