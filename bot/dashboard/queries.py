"""Dashboard figures, computed only from analytics events (never transcripts).

Every query takes a :class:`Scope` and is ALWAYS filtered by municipality: a scope of ``None``
codes (admin, all municipalities) is the only unfiltered case, and an empty tuple sees nothing.
Rows are fetched with one portable SELECT and bucketed in Python, so SQLite and PostgreSQL give
the same figures (periods and the heatmap use Europe/Amsterdam local time).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName
from bot.analytics.review import CRISIS, FALLBACK_INTENTS, OUT_OF_SCOPE
from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion
from bot.dashboard.grouping import group_questions
from bot.dashboard.keywords import keywords, may_show_verbatim, residents
from bot.dashboard.names import t
from bot.dashboard.suppression import share
from bot.storage.base import utcnow
from bot.topics import TOPIC_INTENTS

LOCAL = ZoneInfo("Europe/Amsterdam")
PERIODS = ("day", "week", "month")
NO_CHOICE = "geen keuze"  # codes of missing values; their names are in the label file
UNKNOWN = "onbekend"
NOT_REVIEWED = "not_reviewed"
UNSURE_BELOW = 0.5  # the router records a question as unanswered below this confidence
LEARNING_INTENTS: tuple[str, ...] = (
    *(t for t in TOPIC_INTENTS if t != CRISIS),
    CRISIS,
    OUT_OF_SCOPE,
)


@dataclass(frozen=True)
class Scope:
    """What one user may see: ``codes=None`` means every municipality (admins only)."""

    codes: tuple[str, ...] | None
    since: datetime
    until: datetime

    def where(self, column: Any) -> Any:
        """The municipality filter for ``column``."""
        if self.codes is None:
            return true()
        return column.in_(self.codes)


@dataclass
class Table:
    """One figure: ``rows`` hold raw counts; ``count_columns`` are suppressed when shown."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    count_columns: tuple[int, ...] = ()
    note: str = ""
    total_published: bool = False  # its column total is shown elsewhere: complementary suppression
    # columns holding codes, shown by their Dutch name: column index -> kind (bot.dashboard.names)
    name_columns: dict[int, str] = field(default_factory=dict)
    # the total of each group of rows (same value in this column, e.g. a period) is shown
    # elsewhere: within a group, one small cell gets a second hidden cell (complementary)
    group_totals_by: int | None = None


def bucket(moment: datetime, period: str) -> str:
    """Label of the day, ISO week or month that ``moment`` falls in (local time)."""
    local = moment.astimezone(LOCAL)
    if period == "day":
        return local.date().isoformat()
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (P90 = the value 90% of waits are at or below)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


async def load_events(session: AsyncSession, scope: Scope) -> list[AnalyticsEvent]:
    """Every event in the scope's municipalities and time window.

    An event without a municipality counts for a municipality when another event of the same
    conversation (``conversation_ref``) in the window has that municipality's code.
    """
    in_window = (
        AnalyticsEvent.occurred_at >= scope.since,
        AnalyticsEvent.occurred_at < scope.until,
    )
    where: Any = scope.where(AnalyticsEvent.municipality_code)
    if scope.codes is not None:
        # The municipality is often known only later in a conversation (location form, handover):
        # events of that conversation without a code belong to the municipality it got.
        known = select(AnalyticsEvent.conversation_ref).where(
            scope.where(AnalyticsEvent.municipality_code),
            *in_window,
            AnalyticsEvent.conversation_ref.is_not(None),
        )
        where = where | (
            AnalyticsEvent.municipality_code.is_(None) & AnalyticsEvent.conversation_ref.in_(known)
        )
    stmt = (
        select(AnalyticsEvent)
        .where(where, *in_window)
        .order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
    )
    return list((await session.scalars(stmt)).all())


def _by_period_channel(events: list[AnalyticsEvent], name: str, period: str) -> list[list[Any]]:
    counts: Counter[tuple[str, str]] = Counter(
        (bucket(e.occurred_at, period), e.channel or UNKNOWN) for e in events if e.name == name
    )
    return [[p, c, n] for (p, c), n in sorted(counts.items())]


def figures(events: list[AnalyticsEvent], period: str = "week") -> dict[str, Table]:
    """Every figure of the dashboard from one list of events."""
    tables: dict[str, Table] = {}
    tables["conversations"] = Table(
        "conversations",
        t("figures.conversations", period=_period_nl(period)),
        [t("figures.col_period"), t("figures.col_channel"), t("figures.col_conversations")],
        _by_period_channel(events, EventName.CONVERSATION_STARTED, period),
        (2,),
        name_columns={1: "channel"},
    )
    tables["messages"] = Table(
        "messages",
        t("figures.messages", period=_period_nl(period)),
        [t("figures.col_period"), t("figures.col_channel"), t("figures.col_messages")],
        _by_period_channel(events, EventName.MESSAGE_RECEIVED, period),
        (2,),
        name_columns={1: "channel"},
    )

    received = [
        e for e in events if e.name == EventName.MESSAGE_RECEIVED and e.topic in TOPIC_INTENTS
    ]
    topic_periods: Counter[tuple[str, str]] = Counter(
        (bucket(e.occurred_at, period), e.topic or "") for e in received
    )
    tables["topics"] = Table(
        "topics",
        t("figures.topics", period=_period_nl(period)),
        [t("figures.col_period"), t("figures.col_topic"), t("figures.col_messages")],
        [[p, t, n] for (p, t), n in sorted(topic_periods.items())],
        (2,),
        name_columns={1: "topic"},
    )

    per_conv: dict[str, set[str]] = defaultdict(set)
    for e in received:
        if e.conversation_ref:
            per_conv[e.conversation_ref].add(e.topic or "")
    pairs: Counter[tuple[str, str]] = Counter()
    for topics in per_conv.values():
        pairs.update(combinations(sorted(topics), 2))
    tables["topic_pairs"] = Table(
        "topic_pairs",
        t("figures.topic_pairs"),
        [t("figures.col_topic"), t("figures.col_also"), t("figures.col_conversations")],
        [[a, b, n] for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))],
        (2,),
        name_columns={0: "topic", 1: "topic"},
    )

    requested = [e for e in events if e.name == EventName.HANDOVER_REQUESTED]
    for key, attr in (("handover_reasons", "reason"), ("handover_kinds", "kind")):
        counts = Counter(getattr(e, attr) or NO_CHOICE for e in requested)
        tables[key] = Table(
            key,
            t(f"figures.{key}"),
            [t(f"figures.col_{attr}"), t("figures.col_handovers")],
            [[k, n] for k, n in sorted(counts.items())],
            (1,),
            total_published=True,
            name_columns={0: attr},
        )  # total = "gevraagd" in handover_waits
    closed = Counter(e.outcome or UNKNOWN for e in events if e.name == EventName.HANDOVER_CLOSED)
    tables["handover_outcomes"] = Table(
        "handover_outcomes",
        t("figures.handover_outcomes"),
        [t("figures.col_outcome"), t("figures.col_handovers")],
        [[k, n] for k, n in sorted(closed.items())],
        (1,),
        name_columns={0: "outcome"},
    )
    tables["handover_waits"] = wait_table(events)

    heat: Counter[tuple[int, int]] = Counter()
    weekdays = t("figures.weekdays").split()
    for e in events:
        if e.name == EventName.MESSAGE_RECEIVED:
            local = e.occurred_at.astimezone(LOCAL)
            heat[(local.weekday(), local.hour)] += 1
    tables["heatmap"] = Table(
        "heatmap",
        t("figures.heatmap"),
        [t("figures.col_day"), *[f"{h:02d}" for h in range(24)]],
        [[weekdays[d], *[heat[(d, h)] for h in range(24)]] for d in range(7)],
        tuple(range(1, 25)),
    )
    return tables


def wait_table(events: list[AnalyticsEvent]) -> Table:
    """How many handovers, waiting time until a person took over, and out-of-hours share."""
    requested = [e for e in events if e.name == EventName.HANDOVER_REQUESTED]
    waits = [
        e.value_seconds
        for e in events
        if e.name == EventName.HANDOVER_ASSIGNED and e.value_seconds is not None
    ]
    out = sum(1 for e in requested if e.out_of_hours)
    cancelled = sum(1 for e in events if e.name == EventName.HANDOVER_CANCELLED)
    enough = len(waits) >= 5
    rows: list[list[Any]] = [
        [t("figures.waits_requested"), len(requested)],
        [t("figures.waits_assigned"), len(waits)],
        [t("figures.waits_cancelled"), cancelled],
        [t("figures.waits_out_of_hours"), out],
        [t("figures.waits_share"), share(out, len(requested))],
        [
            t("figures.waits_median"),
            round(statistics.median(waits) / 60, 1) if enough else t("figures.suppressed"),
        ],
        [
            t("figures.waits_p90"),
            round(percentile(waits, 90) / 60, 1) if enough else t("figures.suppressed"),
        ],
    ]
    return Table(
        "handover_waits",
        t("figures.handover_waits"),
        [t("figures.col_measure"), t("figures.col_value")],
        rows,
        (1,),
        note=t("figures.handover_waits_note"),
    )


def _period_nl(period: str) -> str:
    return t(f"figures.period_{period}")


async def unanswered(
    session: AsyncSession, scope: Scope, *, include_handled: bool = False
) -> list[UnansweredQuestion]:
    """Redacted unanswered questions in the scope, newest first."""
    stmt = (
        select(UnansweredQuestion)
        .where(scope.where(UnansweredQuestion.municipality_code))
        .where(
            UnansweredQuestion.occurred_at >= scope.since,
            UnansweredQuestion.occurred_at < scope.until,
        )
        .order_by(UnansweredQuestion.occurred_at.desc(), UnansweredQuestion.id.desc())
    )
    if not include_handled:
        stmt = stmt.where(UnansweredQuestion.handled_at.is_(None))
    return list((await session.scalars(stmt)).all())


def unanswered_table(rows: list[UnansweredQuestion]) -> Table:
    """Groups of similar unanswered questions (text is already redacted).

    A group asked by fewer than five residents shows only its keywords, never a sentence
    (issue 11); a larger group also shows its first question as the example. The number of
    questions and the number of residents are two columns: twelve questions of one resident
    are still "fewer than five residents", and questions without a pseudonym make the number
    of residents unknown (counted low, as one), which the label then says.
    """
    by_id = {r.id: r for r in rows}
    groups = group_questions([(r.id, r.text_redacted) for r in rows])
    table_rows: list[list[Any]] = []
    for g in groups:
        refs = [by_id[i].conversation_ref for i in g.ids]
        people = residents(refs)
        unknown = any(ref is None for ref in refs)
        if may_show_verbatim(refs):
            example = g.representative
        elif unknown:
            example = t("unanswered.keywords_only_unknown")
        else:
            example = t("unanswered.keywords_only")
        people_cell: Any = t("unanswered.residents_unknown") if unknown and people < 5 else people
        table_rows.append(
            [
                ", ".join(keywords(g.texts)),
                example,
                len(g.ids),
                people_cell,
                " ".join(map(str, g.ids)),
            ]
        )
    return Table(
        "unanswered",
        t("figures.unanswered"),
        [t(f"unanswered.col_{c}") for c in ("keywords", "example", "count", "residents", "ids")],
        table_rows,
        (2, 3),
    )


def learning_table(
    events: list[AnalyticsEvent], questions: list[UnansweredQuestion], period: str = "week"
) -> Table:
    """Per period and topic: answered, fell back, corrected and confirmed (see docs/dashboard.md).

    ``beantwoord`` counts messages the assistant answered on that topic (analytics events);
    the other columns count unanswered or unsure questions by the topic an analyst gave them:
    ``teruggevallen`` when the assistant gave no topic (fallback, or "not ours" for a question
    that was ours), ``gecorrigeerd`` when it guessed another topic, ``bevestigd`` when its unsure
    guess was right. Questions nobody reviewed yet are counted under "nog niet beoordeeld".
    Each question counts in the period in which the resident asked it.
    """
    answered: Counter[tuple[str, str]] = Counter()
    for e in events:
        if e.name != EventName.MESSAGE_RECEIVED:
            continue
        sure = e.confidence is None or e.confidence >= UNSURE_BELOW  # unsure ones are questions
        if e.topic in TOPIC_INTENTS and sure:
            answered[(bucket(e.occurred_at, period), e.topic)] += 1
    review: Counter[tuple[str, str, int]] = Counter()  # (period, label, column)
    for q in questions:
        when = bucket(q.occurred_at, period)
        label = q.review_label
        if q.reviewed_at is None or label is None:
            review[(when, NOT_REVIEWED, 3)] += 1
        elif q.intent_guess == label:
            review[(when, label, 5)] += 1
        elif q.intent_guess in FALLBACK_INTENTS or q.intent_guess is None:
            review[(when, label, 3)] += 1
        else:
            review[(when, label, 4)] += 1
    keys = set(answered) | {(p, t) for p, t, _ in review}
    order = {t: i for i, t in enumerate((*LEARNING_INTENTS, NOT_REVIEWED))}
    rows = [
        [p, t, answered[(p, t)], review[(p, t, 3)], review[(p, t, 4)], review[(p, t, 5)]]
        for p, t in sorted(keys, key=lambda k: (k[0], order.get(k[1], 99), k[1]))
    ]
    return Table(
        "learning",
        t("learning.title"),
        [
            t(f"learning.col_{c}")
            for c in ("period", "topic", "answered", "fell_back", "corrected", "confirmed")
        ],
        rows,
        (2, 3, 4, 5),
        note=t("learning.note"),
        name_columns={1: "learning"},
    )


async def mark_handled(session: AsyncSession, scope: Scope, ids: list[int], by: str) -> int:
    """Mark questions handled, only those inside the scope's municipalities; returns how many."""
    stmt = (
        update(UnansweredQuestion)
        .where(UnansweredQuestion.id.in_(ids), scope.where(UnansweredQuestion.municipality_code))
        .where(UnansweredQuestion.handled_at.is_(None))
        .values(handled_at=utcnow(), handled_by=by)
    )
    result = cast("CursorResult[Any]", await session.execute(stmt))
    return int(result.rowcount or 0)


async def has_demo(session: AsyncSession, scope: Scope) -> bool:
    """Whether any event in view is demo data (the page then shows a banner)."""
    stmt = (
        select(AnalyticsEvent.id)
        .where(scope.where(AnalyticsEvent.municipality_code))
        .where(AnalyticsEvent.demo.is_(True))
        .limit(1)
    )
    return (await session.scalar(stmt)) is not None
