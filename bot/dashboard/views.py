"""Dashboard views: overview with charts + tables, unanswered questions, CSV export.

Login and roles are the staff part's (`bot.staff`): analysts and team leads see only their
own municipalities; admins may pick any set of municipality codes (a region) or all.
The review of unanswered questions has its own module (`bot.dashboard.review_views`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot import keys
from bot.dashboard import charts, headline, names, plan_counts, queries
from bot.dashboard.csvsafe import to_csv
from bot.dashboard.queries import PERIODS, Scope, Table
from bot.staff import User, audit, current_user, require_roles
from bot.storage.base import utcnow

ROLES = ("analyst", "team_lead", "admin")
# staff of the municipality itself; admins review only questions without a municipality
REVIEW_ROLES = ("analyst", "team_lead", "admin")
HERE = Path(__file__).resolve().parent
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
ENV.globals.update(
    t=names.t,
    name=names.name,
    topic_name=names.topic_name,
    role_name=lambda role: names.labels().get(f"role.{role}") or role,
)
PERIOD_DAYS = (7, 30, 90, 365)  # the period selector; any ?dagen=1..3660 still works
HANDOVER_KEYS = ("handover_reasons", "handover_kinds", "handover_outcomes")


@dataclass
class Loaded:
    """Every figure of one request: the scope, the tables and the headline."""

    scope: Scope
    tables: dict[str, Table]
    headline: list[headline.Figure]
    demo: bool


def render(template: str, **context: Any) -> web.Response:
    """A template as HTML with a strict CSP (no scripts at all)."""
    user = context.get("user")
    context.setdefault("may_review", user is not None and user.role in REVIEW_ROLES)
    html = ENV.get_template(template).render(**context)
    return web.Response(
        text=html,
        content_type="text/html",
        headers={
            "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'self'",
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


def _days(request: web.Request) -> int:
    try:
        return min(max(int(request.query.get("dagen", "90")), 1), 3660)
    except ValueError:
        return 90


def scope_for(user: User, request: web.Request) -> Scope:
    """The user's municipalities (narrowed by ?gemeente=A,B) and the time window (?dagen=90)."""
    asked = [c.strip().upper() for c in request.query.get("gemeente", "").split(",") if c.strip()]
    if user.is_admin:
        codes: tuple[str, ...] | None = tuple(asked) if asked else None
    else:
        own = list(user.municipality_codes)
        codes = tuple(c for c in own if c in asked) if asked else tuple(own)
    now = utcnow()
    return Scope(codes, now - timedelta(days=_days(request)), now + timedelta(seconds=1))


def _period(request: web.Request) -> str:
    period = request.query.get("per", "week")
    return period if period in PERIODS else "week"


async def _figures(request: web.Request, user: User) -> Loaded:
    """Load the window and the previous window of the same length; compute every table."""
    scope = scope_for(user, request)
    period = _period(request)
    wide = Scope(scope.codes, scope.since - (scope.until - scope.since), scope.until)
    async with request.config_dict[keys.DB]() as session:
        events = await queries.load_events(session, wide)
        current = [e for e in events if e.occurred_at >= scope.since]
        previous = [e for e in events if e.occurred_at < scope.since]
        tables = queries.figures(current, period)
        # its total, and its total per period, are headline figures
        tables["conversations"].total_published = True
        tables["conversations"].group_totals_by = 0
        every_question = await queries.unanswered(session, scope, include_handled=True)
        tables["learning"] = queries.learning_table(current, every_question, period)
        tables["unanswered"] = queries.unanswered_table(
            [q for q in every_question if q.handled_at is None]
        )
        figures, tables["headline"] = headline.figures(
            current, previous, since=scope.since, until=scope.until, period=period
        )
        tables["topic_changes"] = headline.topic_changes(current, previous)
        demo = await queries.has_demo(session, scope)
    return Loaded(scope, tables, figures, demo)


def _section(table: Table, svg: str) -> dict[str, Any]:
    return {"table": table, "svg": svg, "rows": charts.display_rows(table)}


def _sections(tables: dict[str, Table]) -> dict[str, dict[str, Any]]:
    """Each figure's chart (SVG) and its rows as shown (small numbers suppressed)."""
    found = {
        "headline": _section(tables["headline"], ""),
        "conversations": _section(
            tables["conversations"], charts.stacked_columns(tables["conversations"])
        ),
        "messages": _section(tables["messages"], charts.stacked_columns(tables["messages"])),
        "topic_changes": _section(
            tables["topic_changes"],
            charts.diverging(
                [
                    (names.topic_name(topic), amount, pct)
                    for topic, amount, pct in headline.rising_and_falling(tables["topic_changes"])
                ],
                ident="chart-topic_changes",
                title=tables["topic_changes"].title,
                desc=names.t("headline.topics_desc"),
            ),
        ),
        "topics": _section(tables["topics"], ""),
        "topic_pairs": _section(
            tables["topic_pairs"],
            charts.bar_chart(tables["topic_pairs"], (0, 1), 2, limit=6, width=580),
        ),
        "handover_waits": _section(tables["handover_waits"], ""),
        "heatmap": _section(tables["heatmap"], charts.heatmap(tables["heatmap"])),
        "learning": _section(
            tables["learning"],
            charts.bar_chart(_latest_period(tables["learning"]), (1,), 3, limit=8, width=560),
        ),
        "unanswered": _section(tables["unanswered"], ""),
    }
    for key in HANDOVER_KEYS:
        found[key] = _section(
            tables[key], charts.bar_chart(tables[key], (0,), 1, limit=8, width=280)
        )
    return found


def _latest_period(table: Table) -> Table:
    """For the chart: the topics the assistant fell back on in the most recent period that has
    reviewed questions (else the most recent one), most first; the table has every period."""
    reviewed = [r[0] for r in table.rows if r[1] != queries.NOT_REVIEWED and r[3]]
    last = max(reviewed or [r[0] for r in table.rows], default=None)
    rows = sorted(
        (r for r in table.rows if r[0] == last and r[3]), key=lambda r: (-r[3], str(r[1]))
    )
    return Table(
        table.key,
        names.t("learning.chart_title", period=last or "-"),
        table.columns,
        rows,
        table.count_columns,
        name_columns=table.name_columns,
    )


async def _municipality_choices(request: web.Request, user: User) -> list[tuple[str, str]]:
    """(code, name) of the municipalities the user may pick: own ones, or for an admin every
    municipality that has figures."""
    from sqlalchemy import select

    from bot.analytics.tables import AnalyticsEvent
    from bot.directory.places import display_name
    from bot.directory.tables import Municipality

    async with request.config_dict[keys.DB]() as session:
        if user.is_admin:
            codes = [
                c
                for c in (
                    await session.scalars(select(AnalyticsEvent.municipality_code).distinct())
                ).all()
                if c
            ]
        else:
            codes = list(user.municipality_codes)
        found = {
            m.code: display_name(m.code, m.name)
            for m in (
                await session.scalars(select(Municipality).where(Municipality.code.in_(codes)))
            ).all()
        }
    return sorted(((c, found.get(c, c)) for c in codes), key=lambda pair: pair[1])


async def _local_help_flags(request: web.Request, scope: Scope) -> list[dict[str, Any]]:
    """Per municipality in view (at most five): entries not checked within its limit."""
    from bot.directory.places import display_name
    from bot.directory.repository import check_limit, entry_statuses, place_of

    if not scope.codes or len(scope.codes) > 5:
        return []
    flags = []
    async with request.config_dict[keys.DB]() as session:
        for code in scope.codes:
            place = await place_of(session, code)
            if place is None:
                continue
            limit = await check_limit(session, code)
            entries = await entry_statuses(session, code, today=date.today(), limit_days=limit)
            overdue = sum(1 for e in entries if e.overdue)
            flags.append(
                {
                    "code": code,
                    "name": display_name(place.code, place.name),
                    "overdue": overdue,
                    "total": len(entries),
                    "limit": limit,
                }
            )
    return flags


@require_roles(*ROLES)
async def overview(request: web.Request) -> web.Response:
    """GET /dashboard/: headline figures with change and trend, then every chart; each chart's
    table behind a toggle, with a CSV."""
    user = await current_user(request)
    assert user is not None
    loaded = await _figures(request, user)
    sparks = {
        f.key: charts.sparkline(
            f.trend,
            f.trend_small,
            ident=f"spark-{f.key}",
            label=names.t("headline.trend_of", figure=f.label),
        )
        for f in loaded.headline
    }
    days = _days(request)
    return render(
        "overview.html",
        page="overview",
        user=user,
        figures=loaded.headline,
        sparks=sparks,
        sections=_sections(loaded.tables),
        demo=loaded.demo,
        query=request.query_string,
        period=_period(request),
        days=days,
        day_choices=sorted({*PERIOD_DAYS, days}),
        scope_label=_scope_label(loaded.scope),
        gemeente=request.query.get("gemeente", ""),
        municipalities=await _municipality_choices(request, user),
        local_help=await _local_help_flags(request, loaded.scope),
        plans=await _plan_rows(request, loaded.scope),
        plan_label=plan_counts.label,
        since=headline.local_time(loaded.scope.since),
        until=headline.local_time(loaded.scope.until),
    )


@require_roles(*ROLES)
async def export_csv(request: web.Request) -> web.Response:
    """GET /dashboard/csv/{key}.csv: one table, suppressed exactly as on screen.

    Every cell is neutralised against formula injection (`bot.dashboard.csvsafe`); the
    download is audited.
    """
    user = await current_user(request)
    assert user is not None
    tables = (await _figures(request, user)).tables
    key = request.match_info["key"]
    table = tables.get(key)
    async with request.config_dict[keys.DB]() as session:
        audit(
            session,
            actor_id=user.id,
            action="dashboard.export_csv",
            object_ref=f"csv:{key}"[:80],
            result="ok" if table is not None else "not_found",
            origin=request.remote,
        )
        await session.commit()
    if table is None:
        raise web.HTTPNotFound(text="unknown table")
    body = to_csv(table.columns, charts.display_rows(table))
    stamp = datetime.now().strftime("%Y%m%d")
    return web.Response(
        text=body,
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="geldhulp-{table.key}-{stamp}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@require_roles(*ROLES)
async def handled(request: web.Request) -> web.Response:
    """POST /dashboard/unanswered/handled (ids="1 2 3"): mark a group of questions as handled."""
    user = await current_user(request)
    assert user is not None
    form = await request.post()
    try:
        ids = [int(x) for x in str(form.get("ids", "")).split()][:1000]
    except ValueError:
        raise web.HTTPBadRequest(text="ids must be numbers") from None
    scope = scope_for(user, request)
    scope = Scope(scope.codes, scope.until - timedelta(days=3660), scope.until)
    async with request.config_dict[keys.DB]() as session:
        changed = await queries.mark_handled(session, scope, ids, by=str(user.id))
        audit(
            session,
            actor_id=user.id,
            action="dashboard.mark_handled",
            object_ref=f"questions:{len(ids)}",
            result="ok" if changed == len(ids) else f"changed {changed} of {len(ids)}",
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(f"/dashboard/?{request.query_string}#unanswered")


async def _plan_rows(request: web.Request, scope: Scope) -> list[plan_counts.PlanRow]:
    async with request.config_dict[keys.DB]() as session:
        return await plan_counts.plan_rows(session, scope)


def _scope_label(scope: Scope) -> str:
    if scope.codes is None:
        return names.t("overview.all_municipalities")
    return ", ".join(scope.codes) if scope.codes else names.t("overview.no_municipality")


def setup_routes(app: web.Application) -> None:
    """Every route needs a login with one of ROLES (tests check each one)."""
    app.router.add_get("/", overview)
    app.router.add_get("/csv/{key}.csv", export_csv)
    app.router.add_post("/unanswered/handled", handled)
    app.router.add_static("/static/", HERE / "static")
    from bot.dashboard import local_help, review_views

    review_views.setup_routes(app)
    local_help.setup_routes(app)
