"""Server-rendered, accessible SVG charts (title + desc; the table beside each chart has the numbers).

Suppressed counts ("<5") are drawn as an outlined stub labelled "<5", never with their length.
"""

from __future__ import annotations

from html import escape
from typing import Any

from bot.dashboard.names import name, t
from bot.dashboard.queries import Table
from bot.dashboard.suppression import THRESHOLD, cell, column, is_small


def bar_chart(
    table: Table,
    label_columns: tuple[int, ...],
    value_column: int,
    *,
    limit: int = 40,
    latest: bool = False,
) -> str:
    """Horizontal bars, one per row of ``table``: the first ``limit`` rows, or the last (``latest``)."""
    rows = table.rows[-limit:] if latest else table.rows[:limit]
    more = len(table.rows) - len(rows)
    values = [int(r[value_column]) for r in rows]
    shown_values = column(
        values, total_published=table.total_published and len(rows) == len(table.rows)
    )
    top = max([v for v in values if not is_small(v)] + [THRESHOLD])
    bar_h, gap, left, width = 18, 6, 230, 640
    span = width - left - 60
    height = max(1, len(rows)) * (bar_h + gap) + 10
    ident = f"chart-{table.key}"
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{escape(table.title)}</title>',
        f'<desc id="{ident}-d">'
        + escape(
            t(
                "figures.chart_desc",
                bars=len(rows),
                more=t("figures.chart_more", more=more) if more else "",
            )
        )
        + "</desc>",
    ]
    for i, (row, value, shown) in enumerate(zip(rows, values, shown_values, strict=True)):
        y = 5 + i * (bar_h + gap)
        label = " · ".join(str(shown_value(table, row, c)) for c in label_columns)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" class="label">{escape(label[:34])}</text>'
        )
        if isinstance(shown, str):
            parts.append(
                f'<rect x="{left}" y="{y}" width="12" height="{bar_h}" class="bar small"/>'
            )
            x = left + 16
        else:
            w = round(span * value / top)
            parts.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" class="bar"/>')
            x = left + w + 4
        parts.append(f'<text x="{x}" y="{y + 13}" class="value">{escape(str(shown))}</text>')
    if not rows:
        parts.append(f'<text x="10" y="14" class="label">{escape(t("figures.chart_empty"))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heatmap(table: Table) -> str:
    """Hour x weekday grid; darker is more; suppressed cells are outlined with "<5" as tooltip."""
    cw, ch, left, top = 24, 22, 34, 18
    width, height = left + 24 * cw + 4, top + 7 * ch + 4
    peak = max([v for row in table.rows for v in row[1:] if not is_small(v)] + [1])
    ident = f"chart-{table.key}"
    parts = [
        f'<svg class="chart" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{escape(table.title)}</title>',
        f'<desc id="{ident}-d">{escape(t("figures.heatmap_desc"))}</desc>',
    ]
    for h in range(0, 24, 3):
        parts.append(f'<text x="{left + h * cw + 2}" y="12" class="label">{h:02d}</text>')
    for d, row in enumerate(table.rows):
        y = top + d * ch
        parts.append(f'<text x="2" y="{y + 15}" class="label">{escape(str(row[0]))}</text>')
        for h, value in enumerate(row[1:]):
            x = left + h * cw
            tip = f"{escape(str(row[0]))} {h:02d}:00: {escape(str(cell(value)))}"
            if is_small(value):
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" class="cell small">'
                    f"<title>{tip}</title></rect>"
                )
            else:
                level = 0.08 + 0.92 * value / peak if value else 0.0
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" class="cell" '
                    f'fill-opacity="{level:.2f}"><title>{tip}</title></rect>'
                )
    parts.append("</svg>")
    return "".join(parts)


def shown_value(table: Table, row: list[Any], index: int) -> Any:
    """A non-count cell as shown: codes (topics, channels, reasons) by their Dutch name."""
    kind = table.name_columns.get(index)
    return name(kind, row[index]) if kind else row[index]


def display_rows(table: Table) -> list[list[Any]]:
    """Rows with small counts replaced by "<5" and codes by Dutch names (HTML and CSV alike)."""
    rows = [[shown_value(table, row, i) for i in range(len(row))] for row in table.rows]
    for i in table.count_columns:
        if rows and all(type(r[i]) is int for r in rows):
            for row, shown in zip(
                rows,
                column([r[i] for r in rows], total_published=table.total_published),
                strict=True,
            ):
                row[i] = shown
        else:
            for row in rows:
                row[i] = cell(row[i]) if type(row[i]) is int else row[i]
    return rows
