"""Server-rendered, accessible SVG charts (title + desc; each chart's table is one click away).

Why SVG from the server and not a JavaScript library: the page keeps its strict CSP (no scripts
at all), prints as it looks, costs no download or build step, and every chart is in the HTML a
test reads. Suppressed counts ("<5", "onderdrukt") are never drawn with their size: a bar gets a
dashed stub, a stacked segment a small hatched cap, a trend point a hollow dot on the base line.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from bot.dashboard.names import name, t
from bot.dashboard.queries import Table
from bot.dashboard.suppression import SMALL, THRESHOLD, cell, column, is_small

CHANNELS = ("whatsapp", "telegram", "web", "onbekend")
FONT = 12


def _open(ident: str, title: str, desc: str, width: int, height: int, css: str = "chart") -> str:
    return (
        f'<svg class="{css}" role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
    )


def _nice(top: float) -> float:
    """A round axis maximum at or above ``top``."""
    if top <= 10:
        return 10
    magnitude = 10 ** (len(str(int(top))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if top <= step * magnitude:
            return step * magnitude
    return top


def hbars(
    items: Sequence[tuple[str, Any]],
    *,
    ident: str,
    title: str,
    desc: str,
    width: int = 360,
) -> str:
    """Horizontal bars with the whole label above each bar (never cut off).

    ``items`` are (label, value) with value an int, "<5" or "onderdrukt"."""
    row_h, bar_h = 34, 13
    height = max(1, len(items)) * row_h + 4
    numbers = [v for _, v in items if isinstance(v, int | float)]
    top = max(numbers + [THRESHOLD])
    span = width - 60
    parts = [_open(ident, title, desc, width, height)]
    for i, (label, value) in enumerate(items):
        y = 2 + i * row_h
        parts.append(f'<text x="1" y="{y + FONT}" class="label">{escape(str(label))}</text>')
        bar_y = y + FONT + 4
        if isinstance(value, int | float):
            w = max(1, round(span * value / top)) if value else 0
            parts.append(f'<rect x="0" y="{bar_y}" width="{w}" height="{bar_h}" class="bar"/>')
            x = w + 5
        else:
            parts.append(
                f'<rect x="0.5" y="{bar_y + 0.5}" width="12" height="{bar_h - 1}" class="bar small">'
                f"<title>{escape(str(value))}</title></rect>"
            )
            x = 18
        parts.append(f'<text x="{x}" y="{bar_y + 11}" class="value">{escape(str(value))}</text>')
    if not items:
        parts.append(f'<text x="0" y="14" class="label">{escape(t("figures.chart_empty"))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    table: Table,
    label_columns: tuple[int, ...],
    value_column: int,
    *,
    limit: int = 12,
    latest: bool = False,
    width: int = 360,
) -> str:
    """Horizontal bars for the rows of ``table`` (the first ``limit``, or the last: ``latest``),
    values suppressed exactly as in the table."""
    rows = table.rows[-limit:] if latest else table.rows[:limit]
    shown_values = column(
        [int(r[value_column]) for r in rows],
        total_published=table.total_published and len(rows) == len(table.rows),
    )
    items = [
        (" · ".join(str(shown_value(table, row, c)) for c in label_columns), shown)
        for row, shown in zip(rows, shown_values, strict=True)
    ]
    more = len(table.rows) - len(rows)
    desc = t(
        "figures.chart_desc",
        bars=len(rows),
        more=t("figures.chart_more", more=more) if more else "",
    )
    return hbars(items, ident=f"chart-{table.key}", title=table.title, desc=desc, width=width)


def stacked_columns(table: Table, *, width: int = 560, height: int = 230) -> str:
    """One column per period, stacked by channel (rows: period, channel, count)."""
    shown_rows = display_rows(table)
    periods = sorted({str(r[0]) for r in table.rows})
    channels = [c for c in CHANNELS if any(r[1] == c for r in table.rows)]
    channels += sorted({str(r[1]) for r in table.rows} - set(channels))
    value: dict[tuple[str, str], Any] = {}
    for raw, disp in zip(table.rows, shown_rows, strict=True):
        value[(str(raw[0]), str(raw[1]))] = disp[2]
    cap = 5  # pixels of a suppressed segment: visible, never a size
    left, bottom, top_pad = 34, 22, 26
    plot_h = height - bottom - top_pad
    totals = [
        sum(v for c in channels if isinstance(v := value.get((p, c), 0), int)) for p in periods
    ]
    top = _nice(max(totals + [THRESHOLD]))
    slot = (width - left - 4) / max(1, len(periods))
    bar_w = max(6.0, min(34.0, slot * 0.7))
    ident = f"chart-{table.key}"
    desc = t("figures.stacked_desc", periods=len(periods), channels=len(channels))
    parts = [_open(ident, table.title, desc, width, height)]
    parts.append(
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="2" height="4" class="hatch"/></pattern></defs>'
    )
    x = left
    for channel in channels:  # legend
        label = name("channel", channel)
        parts.append(
            f'<rect x="{x}" y="2" width="11" height="11" class="c-{escape(channel)}"/>'
            f'<text x="{x + 15}" y="12" class="label">{escape(label)}</text>'
        )
        x += 26 + 7 * len(label)
    parts.append(
        f'<rect x="{x}" y="2" width="11" height="11" fill="url(#hatch)" class="small-cap"/>'
        f'<text x="{x + 15}" y="12" class="label">{escape(t("figures.small_legend"))}</text>'
    )
    base = height - bottom
    for fraction in (0, 0.5, 1):
        y = base - plot_h * fraction
        parts.append(
            f'<line x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">'
            f"{round(top * fraction)}</text>"
        )
    every = max(1, round(len(periods) / 10 + 0.49))
    for i, period in enumerate(periods):
        cx = left + slot * i + (slot - bar_w) / 2
        y = base
        for channel in channels:
            v = value.get((period, channel), 0)
            tip = f"{period} {name('channel', channel)}: {v}"
            if isinstance(v, int):
                if v == 0:
                    continue
                h = plot_h * v / top
                y -= h
                parts.append(
                    f'<rect x="{cx:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                    f'class="c-{escape(channel)}"><title>{escape(tip)}</title></rect>'
                )
            else:
                y -= cap
                parts.append(
                    f'<rect x="{cx:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{cap}" '
                    f'fill="url(#hatch)" class="small-cap"><title>{escape(tip)}</title></rect>'
                )
        if i % every == 0:
            parts.append(
                f'<text x="{cx + bar_w / 2:.1f}" y="{base + 15}" text-anchor="middle" '
                f'class="axis">{escape(short_period(period))}</text>'
            )
    if not periods:
        parts.append(
            f'<text x="{left}" y="{base - 10}" class="label">'
            f"{escape(t('figures.chart_empty'))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def short_period(label: str) -> str:
    """``2026-W07`` -> ``wk 7``, ``2026-03-14`` -> ``14-3``, ``2026-03`` -> ``mrt``."""
    if "-W" in label:
        return f"wk {int(label.split('-W')[1])}"
    parts = label.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])}-{int(parts[1])}"
    if len(parts) == 2:
        return t("figures.months").split()[int(parts[1]) - 1]
    return label


def diverging(
    items: Sequence[tuple[str, int, str]], *, ident: str, title: str, desc: str, width: int = 560
) -> str:
    """Rising topics to the right, falling to the left: (label, change, percent text)."""
    row_h, bar_h, label_w = 24, 14, 200
    height = max(1, len(items)) * row_h + 6
    mid = label_w + (width - label_w) / 2
    half = (width - label_w) / 2 - 90
    top = max([abs(c) for _, c, _ in items] + [1])
    parts = [_open(ident, title, desc, width, height)]
    parts.append(f'<line x1="{mid}" x2="{mid}" y1="0" y2="{height}" class="grid"/>')
    for i, (label, amount, pct) in enumerate(items):
        y = 3 + i * row_h
        w = max(1.0, half * abs(amount) / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 12}" text-anchor="end" class="label">'
            f"{escape(label)}</text>"
        )
        text = f"{amount:+d} ({pct})" if pct else f"{amount:+d}"
        if amount >= 0:
            parts.append(
                f'<rect x="{mid}" y="{y}" width="{w:.1f}" height="{bar_h}" class="bar up"/>'
                f'<text x="{mid + w + 4:.1f}" y="{y + 12}" class="value">{escape(text)}</text>'
            )
        else:
            parts.append(
                f'<rect x="{mid - w:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" class="bar down"/>'
                f'<text x="{mid - w - 4:.1f}" y="{y + 12}" text-anchor="end" class="value">'
                f"{escape(text)}</text>"
            )
    if not items:
        parts.append(f'<text x="0" y="14" class="label">{escape(t("headline.topics_none"))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    values: Sequence[float | None], small: Sequence[bool], *, ident: str, label: str
) -> str:
    """A small trend line: gaps where a value is not shown, small counts as hollow dots at the
    bottom (never at their height), the last shown value as a filled dot."""
    width, height, pad = 160, 38, 4
    shown = [v for v in values if v is not None]
    low, high = (min(shown), max(shown)) if shown else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def y_of(v: float) -> float:
        return height - pad - (height - 2 * pad - 6) * (v - low) / (high - low) - 6

    desc = t("headline.trend_desc", points=len(values))
    parts = [_open(ident, label, desc, width, height, css="spark")]
    parts.append(f'<line x1="0" x2="{width}" y1="{height - 2}" y2="{height - 2}" class="base"/>')
    run: list[str] = []
    for i, v in enumerate([*values, None]):
        if v is not None:
            run.append(f"{pad + i * step:.1f},{y_of(v):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" class="line"/>')
        elif len(run) == 1:
            x, y = run[0].split(",")
            parts.append(f'<circle cx="{x}" cy="{y}" r="1.8" class="dot"/>')
        run = []
    for i, is_small_point in enumerate(small):
        if is_small_point:
            parts.append(
                f'<circle cx="{pad + i * step:.1f}" cy="{height - 5}" r="2.2" class="small-dot">'
                "<title>&lt;5</title></circle>"
            )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        parts.append(
            f'<circle cx="{pad + last[0] * step:.1f}" cy="{y_of(last[1]):.1f}" r="3" class="last"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def heatmap(table: Table) -> str:
    """Hour x weekday grid; darker is more; suppressed cells are outlined with "<5" as tooltip."""
    cw, ch, left, top = 22, 20, 30, 18
    width, height = left + 24 * cw + 4, top + 7 * ch + 4
    peak = max([v for row in table.rows for v in row[1:] if not is_small(v)] + [1])
    ident = f"chart-{table.key}"
    parts = [_open(ident, table.title, t("figures.heatmap_desc"), width, height)]
    for h in range(0, 24, 3):
        parts.append(f'<text x="{left + h * cw + 2}" y="12" class="axis">{h:02d}</text>')
    for d, row in enumerate(table.rows):
        y = top + d * ch
        parts.append(f'<text x="2" y="{y + 14}" class="axis">{escape(str(row[0]))}</text>')
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
    if table.group_totals_by is not None:
        _hide_one_more_per_group(table, rows)
    return rows


def _hide_one_more_per_group(table: Table, rows: list[list[Any]]) -> None:
    """When a group's total is shown elsewhere (conversations per period in the headline) and
    exactly one cell of the group is small, hide its smallest other shown cell too."""
    key = table.group_totals_by
    assert key is not None
    groups: dict[Any, list[int]] = {}
    for index, raw in enumerate(table.rows):
        groups.setdefault(raw[key], []).append(index)
    for i in table.count_columns:
        for members in groups.values():
            small = [m for m in members if rows[m][i] == SMALL]
            hidden = [m for m in members if rows[m][i] == t("figures.hidden")]
            shown = [m for m in members if isinstance(rows[m][i], int) and rows[m][i] > 0]
            if len(small) + len(hidden) == 1 and shown:
                rows[min(shown, key=lambda m: rows[m][i])][i] = t("figures.hidden")
