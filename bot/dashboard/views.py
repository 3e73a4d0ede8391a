"""Dashboard views: overview with charts + tables, unanswered questions, CSV export.

Login and roles are the staff part's (`bot.staff`): analysts and team leads see only their
own municipalities; admins may pick any set of municipality codes (a region) or all.
The review of unanswered questions has its own module (`bot.dashboard.review_views`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot import keys
from bot.dashboard import charts, names, queries
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
CHARTS = {  # figure -> (label columns, value column) for a bar chart; the heatmap has its own
    "conversations": ((0, 1), 2),
    "messages": ((0, 1), 2),
    "topics": ((0, 1), 2),
    "topic_pairs": ((0, 1), 2),
    "handover_reasons": ((0,), 1),
    "handover_kinds": ((0,), 1),
    "handover_outcomes": ((0,), 1),
    "learning": ((0, 1), 3),
    "unanswered": ((0,), 2),
}


TIME_SERIES = {
    "conversations",
    "messages",
    "topics",
    "learning",
}  # charts show the most recent periods


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


async def _figures(request: web.Request, user: User) -> tuple[Scope, dict[str, Table], bool]:
    scope = scope_for(user, request)
    period = _period(request)
    async with request.config_dict[keys.DB]() as session:
        events = await queries.load_events(session, scope)
        tables = queries.figures(events, period)
        every_question = await queries.unanswered(session, scope, include_handled=True)
        tables["learning"] = queries.learning_table(events, every_question, period)
        tables["unanswered"] = queries.unanswered_table(
            [q for q in every_question if q.handled_at is None]
        )
        demo = await queries.has_demo(session, scope)
    return scope, tables, demo


@require_roles(*ROLES)
async def overview(request: web.Request) -> web.Response:
    """GET /dashboard/: every figure, a chart beside its table."""
    user = await current_user(request)
    assert user is not None
    scope, tables, demo = await _figures(request, user)
    sections = []
    for key, table in tables.items():
        if key == "heatmap":
            svg = charts.heatmap(table)
        elif key in CHARTS:
            labels, value = CHARTS[key]
            svg = charts.bar_chart(table, labels, value, latest=key in TIME_SERIES)
        else:
            svg = ""
        sections.append({"table": table, "svg": svg, "rows": charts.display_rows(table)})
    return render(
        "overview.html",
        page="overview",
        user=user,
        sections=sections,
        demo=demo,
        query=request.query_string,
        period=_period(request),
        days=_days(request),
        scope_label=_scope_label(scope),
        gemeente=request.query.get("gemeente", ""),
    )


@require_roles(*ROLES)
async def export_csv(request: web.Request) -> web.Response:
    """GET /dashboard/csv/{key}.csv: one table, suppressed exactly as on screen.

    Every cell is neutralised against formula injection (`bot.dashboard.csvsafe`); the
    download is audited.
    """
    user = await current_user(request)
    assert user is not None
    _scope, tables, _demo = await _figures(request, user)
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
