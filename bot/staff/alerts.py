"""Alerts for staff: raised by any part (a missed crisis, a spike of failed logins), shown in the
console to the right audience until someone marks them seen."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.tables import StaffAlert, Team
from bot.storage.base import utcnow

AUDIENCES = ("team", "team_lead", "admin")


async def raise_alert(
    session: AsyncSession,
    *,
    kind: str,
    audience: str,
    municipality_code: str | None = None,
    team_id: int | None = None,
    ref: str | None = None,
) -> StaffAlert:
    """Add an alert (committed with the caller's transaction).

    With a municipality but no team, the alert goes to every team that serves that
    municipality (resolved when the console lists alerts).
    """
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}")
    alert = StaffAlert(
        kind=kind, audience=audience, team_id=team_id, municipality_code=municipality_code, ref=ref
    )
    session.add(alert)
    await session.flush()
    return alert


async def open_alerts(
    session: AsyncSession,
    *,
    role: str,
    team: Team | None,
    is_admin: bool,
) -> Sequence[StaffAlert]:
    """Unseen alerts for a person with this role and team, newest first."""
    query = select(StaffAlert).where(StaffAlert.seen_at.is_(None)).order_by(StaffAlert.id.desc())
    if not is_admin:
        audiences = ["team"] + (["team_lead"] if role == "team_lead" else [])
        codes = list(team.municipality_codes or []) if team else []
        mine = [StaffAlert.team_id == team.id] if team else []
        if codes:
            mine.append(StaffAlert.municipality_code.in_(codes))
        if not mine:
            return []
        query = query.where(StaffAlert.audience.in_(audiences), or_(*mine))
    return (await session.scalars(query)).all()


async def mark_seen(session: AsyncSession, alert_id: int, staff_id: int) -> None:
    """Mark an alert seen by ``staff_id``."""
    alert = await session.get(StaffAlert, alert_id)
    if alert is not None and alert.seen_at is None:
        alert.seen_at, alert.seen_by = utcnow(), staff_id
