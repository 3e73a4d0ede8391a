"""The dashboard's first screen: six headline figures, each against the previous period of the
same length, with a trend per period; and the topics that rise and fall.

Only analytics events (never transcripts). Small numbers follow the dashboard's rule: a count of
1-4 is "<5"; a share only when its part and the rest are 5 or more; a median wait only from 5
waits or more; a change only between two shown values. "Answered by the assistant alone" and
"handed over" add up to the conversations, so when one of them is small both are hidden.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.analytics import EventName
from bot.analytics.review import CRISIS, FALLBACK_INTENTS
from bot.analytics.tables import AnalyticsEvent
from bot.dashboard.names import t
from bot.dashboard.queries import LOCAL, UNSURE_BELOW, Table, bucket
from bot.dashboard.suppression import SMALL, THRESHOLD, is_small
from bot.topics import TOPIC_INTENTS

FIGURES = ("conversations", "alone", "handed_over", "median_wait", "crisis", "unanswered")
RATES = {"alone", "unanswered"}  # shown as a share (%), compared in percentage points
TOP_CHANGES = 5


@dataclass
class Measure:
    """One period's raw numbers for every figure (counts, or None where there is no value)."""

    conversations: int = 0
    alone: int = 0
    handed_over: int = 0
    waits: list[float] = field(default_factory=list)
    crisis: int = 0
    messages: int = 0
    unanswered: int = 0


@dataclass
class Figure:
    """A headline figure as shown: its value, the change, and the trend per period."""

    key: str
    label: str
    value: str  # shown text: "312", "<5", "64%", "7,5 min", "onderdrukt (<5)"
    change: str  # "+12% t.o.v. 278", "" when it cannot be shown
    direction: str  # "up", "down", "same" or "" (for the arrow and its words)
    trend: list[float | None]  # per period; None = not shown (small, or no value)
    trend_small: list[bool]  # per period: a count of 1-4, drawn without its height
    note: str = ""


def measure(events: list[AnalyticsEvent]) -> Measure:
    """The raw numbers of one period."""
    started = [e for e in events if e.name == EventName.CONVERSATION_STARTED]
    refs = {e.conversation_ref for e in started if e.conversation_ref}
    handed = {
        e.conversation_ref
        for e in events
        if e.name == EventName.HANDOVER_REQUESTED and e.conversation_ref in refs
    }
    crisis = {
        e.conversation_ref
        for e in events
        if e.conversation_ref in refs
        and (
            (e.name == EventName.MESSAGE_RECEIVED and e.topic == CRISIS)
            or (e.name == EventName.HANDOVER_REQUESTED and e.reason == CRISIS)
            or e.name == EventName.HANDOVER_CRISIS
        )
    }
    received = [e for e in events if e.name == EventName.MESSAGE_RECEIVED]
    return Measure(
        conversations=len(started),
        alone=len(started) - len(handed),
        handed_over=len(handed),
        waits=[
            e.value_seconds
            for e in events
            if e.name == EventName.HANDOVER_ASSIGNED and e.value_seconds is not None
        ],
        crisis=len(crisis),
        messages=len(received),
        unanswered=sum(1 for e in received if is_unanswered(e)),
    )


def is_unanswered(event: AnalyticsEvent) -> bool:
    """A message the assistant had no answer for: a fallback, "not ours", or an unsure guess."""
    intent = (event.data or {}).get("intent")
    unsure = event.confidence is not None and event.confidence < UNSURE_BELOW
    return intent in FALLBACK_INTENTS or unsure


def _rate(part: int, whole: int) -> float | None:
    """A share in percent, or None when it would reveal a small count."""
    if whole == 0 or is_small(part) or is_small(whole - part):
        return None
    return 100 * part / whole


def _median_minutes(waits: list[float]) -> float | None:
    return statistics.median(waits) / 60 if len(waits) >= THRESHOLD else None


def raw_value(m: Measure, key: str) -> float | None:
    """The value of one figure, or None when it may not be shown (small numbers)."""
    counts = {"conversations": m.conversations, "crisis": m.crisis}
    if key in counts:
        return None if is_small(counts[key]) else float(counts[key])
    if key == "handed_over":
        hidden = is_small(m.handed_over) or is_small(m.alone)
        return None if hidden else float(m.handed_over)
    if key == "alone":
        return _rate(m.alone, m.conversations) if not is_small(m.handed_over) else None
    if key == "unanswered":
        return _rate(m.unanswered, m.messages)
    return _median_minutes(m.waits)


def _count_small(m: Measure, key: str) -> bool:
    value = {"conversations": m.conversations, "crisis": m.crisis, "handed_over": m.handed_over}
    return key in value and is_small(value[key])


def _number(value: float, key: str) -> str:
    if key in RATES:
        return f"{round(value)}%"
    if key == "median_wait":
        return t("headline.minutes", value=f"{value:.1f}".replace(".", ","))
    return f"{round(value)}"


def shown(m: Measure, key: str) -> str:
    """The figure as text: a number, "<5", or why it is not shown."""
    value = raw_value(m, key)
    if value is not None:
        return _number(value, key)
    if _count_small(m, key):
        return SMALL
    if key in RATES and (m.messages if key == "unanswered" else m.conversations) == 0:
        return "–"
    if key == "median_wait" and not m.waits:
        return "–"
    return t("figures.suppressed")


def change(current: Measure, previous: Measure, key: str) -> tuple[str, str]:
    """The change against the previous period as text, and its direction; ("", "") when
    either value is not shown."""
    now, before = raw_value(current, key), raw_value(previous, key)
    if now is None or before is None:
        return "", ""
    diff = now - before
    if key in RATES:
        diff = round(diff)
        amount = t("headline.points", value=_signed(diff, 0))
    elif key == "median_wait":
        diff = round(diff, 1)
        amount = t("headline.minutes", value=_signed(diff, 1).replace(".", ","))
    elif before == 0:
        amount = _signed(diff, 0)
    else:
        amount = _signed(round(100 * diff / before), 0) + "%"
    direction = "up" if diff > 0 else ("down" if diff < 0 else "same")
    before_text = _number(before, key)
    return t("headline.change", amount=amount, before=before_text), direction


def _signed(value: float, decimals: int) -> str:
    """``+3``, ``-1,5``, and ``0`` (never ``-0`` or ``+0``)."""
    text = f"{value:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def periods(since: datetime, until: datetime, period: str) -> list[str]:
    """Every period label from ``since`` up to ``until`` (local time), in order."""
    labels: list[str] = []
    moment = since
    step = timedelta(days=1)
    while moment < until:
        label = bucket(moment, period)
        if not labels or labels[-1] != label:
            labels.append(label)
        moment += step
    last = bucket(until - timedelta(seconds=1), period)
    if labels and labels[-1] != last:
        labels.append(last)
    return labels


def per_period(
    events: list[AnalyticsEvent], since: datetime, until: datetime, period: str
) -> list[tuple[str, Measure]]:
    """The raw numbers of every period in the window (conversations by their start)."""
    start_of: dict[str, str] = {}
    for e in events:
        if e.name == EventName.CONVERSATION_STARTED and e.conversation_ref:
            start_of[e.conversation_ref] = bucket(e.occurred_at, period)
    grouped: dict[str, list[AnalyticsEvent]] = {p: [] for p in periods(since, until, period)}
    for e in events:
        label = start_of.get(e.conversation_ref or "") or bucket(e.occurred_at, period)
        grouped.setdefault(label, []).append(e)
    return [(label, measure(grouped[label])) for label in sorted(grouped)]


def figures(
    current: list[AnalyticsEvent],
    previous: list[AnalyticsEvent],
    *,
    since: datetime,
    until: datetime,
    period: str,
) -> tuple[list[Figure], Table]:
    """The headline figures and their table (one row per period, the same rules)."""
    now, before = measure(current), measure(previous)
    trend = per_period(current, since, until, period)
    result = []
    for key in FIGURES:
        text, direction = change(now, before, key)
        result.append(
            Figure(
                key=key,
                label=t(f"headline.{key}"),
                value=shown(now, key),
                change=text,
                direction=direction,
                trend=[raw_value(m, key) for _, m in trend],
                trend_small=[_count_small(m, key) for _, m in trend],
                note=t(f"headline.{key}_note"),
            )
        )
    rows: list[list[Any]] = [[label, *(shown(m, key) for key in FIGURES)] for label, m in trend]
    rows.append([t("headline.previous_row"), *(shown(before, key) for key in FIGURES)])
    rows.append([t("headline.current_row"), *(shown(now, key) for key in FIGURES)])
    table = Table(
        "headline",
        t("headline.table_title", period=t(f"figures.period_{period}")),
        [t("figures.col_period"), *(t(f"headline.{key}") for key in FIGURES)],
        rows,
        note=t("headline.table_note"),
    )
    return result, table


def topic_changes(current: list[AnalyticsEvent], previous: list[AnalyticsEvent]) -> Table:
    """Messages per topic now and in the previous period; the change only between shown counts.

    Rows are ordered by change (largest rise first); topics with a small count in either period
    have no change (the chart leaves them out).
    """

    def count(events: list[AnalyticsEvent]) -> Counter[str]:
        return Counter(
            e.topic or ""
            for e in events
            if e.name == EventName.MESSAGE_RECEIVED and e.topic in TOPIC_INTENTS
        )

    now, before = count(current), count(previous)
    rows: list[list[Any]] = []
    for topic in sorted(set(now) | set(before)):
        a, b = before[topic], now[topic]
        comparable = not is_small(a) and not is_small(b)
        diff: Any = b - a if comparable else ""
        share: Any = (
            f"{100 * (b - a) / a:+.0f}%" if comparable and a else ("" if not comparable else "–")
        )
        rows.append([topic, a, b, diff, share])
    rows.sort(key=lambda r: (-(r[3] if isinstance(r[3], int) else -(10**9)), r[0]))
    return Table(
        "topic_changes",
        t("headline.topics_title"),
        [
            t("figures.col_topic"),
            t("headline.col_previous"),
            t("headline.col_current"),
            t("headline.col_change"),
            t("headline.col_change_pct"),
        ],
        rows,
        (1, 2),
        note=t("headline.topics_note"),
        name_columns={0: "topic"},
    )


def rising_and_falling(table: Table) -> list[tuple[str, int, str]]:
    """(topic, change, percent) for the largest rises and falls, for the chart."""
    comparable = [(r[0], int(r[3]), str(r[4])) for r in table.rows if isinstance(r[3], int)]
    up = [c for c in sorted(comparable, key=lambda c: -c[1]) if c[1] > 0][:TOP_CHANGES]
    down = [c for c in sorted(comparable, key=lambda c: c[1]) if c[1] < 0][:TOP_CHANGES]
    return up + list(reversed(down))


def local_time(moment: datetime) -> str:
    """A moment as a local date (for the period's description)."""
    return moment.astimezone(LOCAL).strftime("%d-%m-%Y")
