"""The waiting line of a team: a resident's place, the team's measured waiting time, and
whether someone of the team is there now.

The expected wait is measured: the median of how long the team's last residents waited before a
person took their chat (in opening hours, last 30 days). With too few chats to say, it is None
and the resident hears that we do not know yet, never a made-up number.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.assignment import ROLES_FOR_KIND, is_open
from bot.conversations.tables import Handover
from bot.staff import StaffUser, Team

MEASURE_DAYS = 30
MEASURE_LAST = 50
MIN_SAMPLES = 3


def queue_order() -> list[Any]:
    """The one queue order: crisis first, then urgent, then who waited longest."""
    return [Handover.crisis_at.is_(None), Handover.urgent.desc(), Handover.requested_at]


async def place_in_line(session: AsyncSession, handover: Handover) -> int:
    """1 when this resident is next; counts the team's untaken requests that go before it."""
    ahead = [
        Handover.team_id == handover.team_id,
        Handover.assigned_to.is_(None),
        Handover.ended_at.is_(None),
        Handover.id != handover.id,
    ]
    earlier = Handover.requested_at < handover.requested_at
    in_crisis = Handover.crisis_at.is_not(None)
    if handover.crisis_at is not None:
        before = in_crisis & earlier
    elif handover.urgent:
        before = in_crisis | (Handover.urgent.is_(True) & earlier)
    else:
        before = in_crisis | Handover.urgent.is_(True) | earlier
    count = await session.scalar(select(func.count()).select_from(Handover).where(*ahead, before))
    return int(count or 0) + 1


async def typical_wait_minutes(
    session: AsyncSession, team_id: int | None, now: datetime
) -> int | None:
    """Median minutes the team's recent residents waited for a person; None when unknown."""
    if team_id is None:
        return None
    rows = (
        await session.execute(
            select(Handover.requested_at, Handover.assigned_at)
            .where(
                Handover.team_id == team_id,
                Handover.assigned_at.is_not(None),
                Handover.out_of_hours.is_(False),
                Handover.assigned_at >= now - timedelta(days=MEASURE_DAYS),
            )
            .order_by(Handover.assigned_at.desc())
            .limit(MEASURE_LAST)
        )
    ).all()
    waits = [(taken - asked).total_seconds() / 60 for asked, taken in rows if taken and asked]
    if len(waits) < MIN_SAMPLES:
        return None
    return round_minutes(statistics.median(waits))


def round_minutes(minutes: float) -> int:
    """Whole minutes people can read: at least 1, to 5 minutes above a quarter of an hour."""
    if minutes <= 1:
        return 1
    if minutes <= 15:
        return int(round(minutes))
    return int(5 * round(minutes / 5))


async def people_available(session: AsyncSession, team_id: int, kind: str | None) -> int:
    """How many people of the team who can take this kind of chat are 'available'."""
    roles = ROLES_FOR_KIND.get(kind or "", {"counsellor", "team_lead", "peer"})
    return int(
        await session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(
                StaffUser.team_id == team_id,
                StaffUser.presence == "available",
                StaffUser.role.in_(roles),
            )
        )
        or 0
    )


async def team_is_there(
    session: AsyncSession, team: Team | None, kind: str | None, now: datetime
) -> bool:
    """True when the team is open now and someone who can take the chat is available."""
    if team is None or not is_open(team.opening_hours or {}, now):
        return False
    return await people_available(session, team.id, kind) > 0
