"""Small numbers are never shown: a count of 1-4 becomes "<5" (tables, charts and CSV alike).

Zero stays 0 (it describes nobody). Against differencing we show no row or column totals next to
suppressed cells, and a percentage only when its numerator and the rest are both unsuppressed.
Figures in *different* tables (e.g. conversations per channel and per week) can still be combined
by a determined reader; see docs/dashboard.md.
"""

from __future__ import annotations

from bot.dashboard.names import t

THRESHOLD = 5
SMALL = "<5"


def is_small(count: int) -> bool:
    """True for counts that identify too few people to show."""
    return 0 < count < THRESHOLD


def cell(count: int) -> int | str:
    """The value to show for ``count``."""
    return SMALL if is_small(count) else count


def column(values: list[int], *, total_published: bool = False) -> list[int | str]:
    """Shown values of one column. When its total is shown elsewhere and exactly one cell is
    small, the smallest other non-zero cell is hidden too, so the small one cannot be computed."""
    shown: list[int | str] = [cell(v) for v in values]
    small = [i for i, v in enumerate(values) if is_small(v)]
    if total_published and len(small) == 1:
        others = [i for i, v in enumerate(values) if v >= THRESHOLD]
        if others:
            shown[min(others, key=lambda i: values[i])] = t("figures.hidden")
    return shown


def share(part: int, whole: int) -> str:
    """A percentage, or "<5"-style text when it would reveal a small count."""
    if whole == 0:
        return "-"
    if is_small(part) or is_small(whole - part):
        return t("figures.suppressed")
    return f"{round(100 * part / whole)}%"
