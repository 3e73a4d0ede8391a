"""Reports per person and per team (GET /console/rapport, also as CSV).

Over a chosen period (local days, both included): handled chats (requests a person took in the
period), the median wait (asked -> taken), the median first response (taken -> the person's
first message), outcomes (closed, handed back, no answer, still open) and CSAT (count and mean,
suppressed below `MIN_CSAT` answers). Counsellors and lived-experience experts see their own row
only; team leads their team (a row per person and the team); admins any team, another team's
only after a reason (the same gate as opening another team's conversation, audited and told to
the team lead). First responses are read from the transcripts, so they count within retention.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keys
from bot.console import present
from bot.console.rendering import render
from bot.conversations.assignment import TZ
from bot.conversations.tables import CsatAnswer, Handover, Message
from bot.staff import CHAT_ROLES, StaffUser, Team, User, current_user, require_roles
from bot.staff.access import ReasonTooShort, give_reason, needs_reason

MIN_CSAT = 5  # fewer answers than this: no mean, the count as "<5"
DEFAULT_DAYS = 30
MAX_DAYS = 366
CLOSED = frozenset({"referred", "appointment_made", "advice_given", "other"})
HANDED_BACK = frozenset({"handed_back"})
NO_ANSWER = frozenset({"no_show"})
PERSON_ROLES = ("counsellor", "peer", "team_lead")


@dataclass
class Row:
    """One line of the report: a person or the whole team."""

    label: str
    handled: int = 0
    waits: list[float] = field(default_factory=list)
    firsts: list[float] = field(default_factory=list)
    closed: int = 0
    handed_back: int = 0
    no_answer: int = 0
    still_open: int = 0
    scores: list[int] = field(default_factory=list)

    def add(self, handover: Handover, first: datetime | None) -> None:
        """Count one taken request."""
        assert handover.assigned_at is not None
        self.handled += 1
        self.waits.append((handover.assigned_at - handover.requested_at).total_seconds())
        if first is not None:
            self.firsts.append(max(0.0, (first - handover.assigned_at).total_seconds()))
        outcome = handover.outcome or ""
        if handover.ended_at is None:
            self.still_open += 1
        elif outcome in CLOSED:
            self.closed += 1
        elif outcome in HANDED_BACK:
            self.handed_back += 1
        elif outcome in NO_ANSWER:
            self.no_answer += 1

    def cells(self) -> dict[str, str]:
        """The row in words, as the table and the CSV show it."""
        count = len(self.scores)
        shown = count >= MIN_CSAT
        return {
            "label": self.label,
            "handled": str(self.handled),
            "wait": minutes(self.waits),
            "first": minutes(self.firsts),
            "closed": str(self.closed),
            "handed_back": str(self.handed_back),
            "no_answer": str(self.no_answer),
            "still_open": str(self.still_open),
            "csat_count": str(count) if shown or count == 0 else present.L("report.fewer"),
            "csat_mean": f"{statistics.mean(self.scores):.1f}".replace(".", ",")
            if shown
            else present.L("report.suppressed"),
        }


COLUMNS = (
    "label",
    "handled",
    "wait",
    "first",
    "closed",
    "handed_back",
    "no_answer",
    "still_open",
    "csat_count",
    "csat_mean",
)


def minutes(values: list[float]) -> str:
    """The median in whole minutes ("—" without values)."""
    if not values:
        return present.L("report.none")
    return present.L("report.minutes", n=round(statistics.median(values) / 60))


def period(query: Any) -> tuple[date, date]:
    """The period of the request (van, tot: local days), by default the last 30 days.

    Raises:
        web.HTTPBadRequest: a date that is not a date, or a period upside down or too long.
    """
    today = datetime.now(TZ).date()
    try:
        end = date.fromisoformat(query.get("tot")) if query.get("tot") else today
        start = (
            date.fromisoformat(query.get("van"))
            if query.get("van")
            else end - timedelta(days=DEFAULT_DAYS - 1)
        )
    except ValueError:
        raise web.HTTPBadRequest(text=present.L("report.bad_period")) from None
    if start > end or (end - start).days >= MAX_DAYS:
        raise web.HTTPBadRequest(text=present.L("report.bad_period"))
    return start, end


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as moments: from the start of the first local day to the end of the last."""
    return (
        datetime.combine(start, time.min, TZ),
        datetime.combine(end + timedelta(days=1), time.min, TZ),
    )


async def first_replies(session: AsyncSession, handovers: list[Handover]) -> dict[int, datetime]:
    """For each taken request, the first message a person wrote after it was taken."""
    conv_ids = {h.conversation_id for h in handovers}
    if not conv_ids:
        return {}
    rows = (
        await session.execute(
            select(Message.conversation_id, Message.created_at)
            .where(Message.conversation_id.in_(conv_ids), Message.sender_type == "human")
            .order_by(Message.created_at)
        )
    ).all()
    by_conv: dict[str, list[datetime]] = {}
    for conv_id, at in rows:
        by_conv.setdefault(conv_id, []).append(at)
    out: dict[int, datetime] = {}
    for h in handovers:
        assert h.assigned_at is not None
        later = [at for at in by_conv.get(h.conversation_id, []) if at >= h.assigned_at]
        if h.ended_at is not None:
            later = [at for at in later if at <= h.ended_at]
        if later:
            out[h.id] = later[0]
    return out


async def build(
    session: AsyncSession, team: Team, start: date, end: date, only: int | None = None
) -> tuple[list[Row], Row | None]:
    """Rows per person of the team (only one person's when ``only``) and the team's row
    (None when only one person's row may be shown)."""
    since, until = bounds(start, end)
    query = select(Handover).where(
        Handover.team_id == team.id,
        Handover.assigned_to.is_not(None),
        Handover.assigned_at >= since,
        Handover.assigned_at < until,
    )
    if only is not None:
        query = query.where(Handover.assigned_to == only)
    handovers = list((await session.scalars(query.order_by(Handover.id))).all())
    firsts = await first_replies(session, handovers)
    people_query = select(StaffUser).where(StaffUser.team_id == team.id)
    if only is not None:
        people_query = people_query.where(StaffUser.id == only)
    people = {p.id: p for p in (await session.scalars(people_query.order_by(StaffUser.name))).all()}
    for h in handovers:  # a person who moved to another team still has their row here
        if h.assigned_to is not None and h.assigned_to not in people:
            person = await session.get(StaffUser, h.assigned_to)
            if person is not None:
                people[person.id] = person
    rows = {pid: Row(present.person_text(p)) for pid, p in people.items()}
    team_row = Row(present.L("report.team_row", team=team.name))
    for h in handovers:
        assert h.assigned_to is not None
        rows[h.assigned_to].add(h, firsts.get(h.id))
        team_row.add(h, firsts.get(h.id))
    answers = (
        await session.execute(
            select(CsatAnswer.staff_id, CsatAnswer.score).where(
                CsatAnswer.team_id == team.id,
                CsatAnswer.answered_on >= start,
                CsatAnswer.answered_on <= end,
            )
        )
    ).all()
    for staff_id, score in answers:
        if staff_id in rows:
            rows[staff_id].scores.append(score)
        if only is None or staff_id == only:
            team_row.scores.append(score)
    shown = [
        r
        for pid, r in rows.items()
        if r.handled or r.scores or people[pid].role in PERSON_ROLES or only is not None
    ]
    return shown, None if only is not None else team_row


async def _teams(session: AsyncSession) -> list[Team]:
    return list((await session.scalars(select(Team).order_by(Team.name))).all())


def report_ref(team_id: int) -> str:
    """What an admin's reason to read another team's report is kept under."""
    return f"report:team:{team_id}"


async def _chosen_team(
    request: web.Request, session: AsyncSession, user: User
) -> tuple[Team | None, list[Team]]:
    """The team this user asks for and may read (admins: any; others: their own)."""
    if not user.is_admin:
        team = await session.get(Team, user.team_id) if user.team_id else None
        return team, [team] if team else []
    teams = await _teams(session)
    raw = request.query.get("team", "")
    wanted = int(raw) if raw.isdigit() else user.team_id
    team = next((t for t in teams if t.id == wanted), None)
    if team is None and teams and not raw:
        team = teams[0]
    if raw and team is None:
        raise web.HTTPNotFound(text=present.L("report.no_team"))
    return team, teams


def csv_response(rows: list[Row], team_row: Row | None, start: date, end: date) -> web.Response:
    """The report as a CSV file (semicolons, as Dutch spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([present.L(f"report.col.{c}") for c in COLUMNS])
    for row in [*rows, *([team_row] if team_row else [])]:
        cells = row.cells()
        writer.writerow([_safe_cell(cells[c]) for c in COLUMNS])
    return web.Response(
        text=out.getvalue(),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="geldhulp-rapport-{start}-{end}.csv"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def _safe_cell(value: str) -> str:
    """A spreadsheet must not run a name that starts like a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") and value != "—" else value


@require_roles(*CHAT_ROLES)
async def report_page(request: web.Request) -> web.Response:
    """GET /console/rapport: the report for the period (?van=&tot=&team=&format=csv)."""
    from bot.console.views import page  # the console's page frame (header, presence)

    user = await current_user(request)
    assert user is not None
    start, end = period(request.query)
    async with request.config_dict[keys.DB]() as session:
        team, teams = await _chosen_team(request, session, user)
        if team is not None and await needs_reason(session, user, report_ref(team.id), team.id):
            return render_reason(user, team, start, end, bool(request.query.get("error")))
        rows: list[Row]
        team_row: Row | None
        if team is None:
            rows, team_row = [], None
        elif user.role == "team_lead" or user.is_admin:
            rows, team_row = await build(session, team, start, end)
        else:
            rows, team_row = await build(session, team, start, end, only=user.id)
        total_csat = int(
            await session.scalar(select(func.count()).select_from(CsatAnswer)) or 0
        )  # whether the question is in use at all (a line under the table)
    if request.query.get("format") == "csv":
        return csv_response(rows, team_row, start, end)
    return page(
        "report.html",
        user,
        team=team,
        teams=teams,
        start=start.isoformat(),
        end=end.isoformat(),
        columns=[(c, present.L(f"report.col.{c}")) for c in COLUMNS],
        rows=[r.cells() for r in rows],
        team_row=team_row.cells() if team_row else None,
        own_only=not (user.role == "team_lead" or user.is_admin),
        csat_in_use=total_csat > 0,
        min_csat=MIN_CSAT,
    )


def render_reason(user: User, team: Team, start: date, end: date, error: bool) -> web.Response:
    """The question why an admin reads another team's report."""
    return render(
        "report_reason.html",
        user=user,
        team=team,
        start=start.isoformat(),
        end=end.isoformat(),
        error=error,
    )


@require_roles("admin")
async def report_reason_post(request: web.Request) -> web.Response:
    """POST /console/rapport/reden: keep an admin's reason, then show the team's report."""
    user = await current_user(request)
    assert user is not None
    form = await request.post()
    raw = str(form.get("team") or "")
    back = "/console/rapport?" + urlencode(
        {"team": raw, "van": str(form.get("van") or ""), "tot": str(form.get("tot") or "")}
    )
    async with request.config_dict[keys.DB]() as session:
        team = await session.get(Team, int(raw)) if raw.isdigit() else None
        if team is None:
            raise web.HTTPNotFound(text=present.L("report.no_team"))
        try:
            await give_reason(
                session,
                user,
                report_ref(team.id),
                team.id,
                str(form.get("reason") or ""),
                origin=request.remote,
            )
        except ReasonTooShort:
            raise web.HTTPFound(back + "&error=reason") from None
        await session.commit()
    raise web.HTTPFound(back)


def setup_report_routes(app: web.Application) -> None:
    """Register the report and the admin's reason for it."""
    app.router.add_get("/rapport", report_page, name="report")
    app.router.add_post("/rapport/reden", report_reason_post)
