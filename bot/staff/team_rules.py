"""Per-team rules for attending: the 24/7 crisis pool mark, how long a resident may wait, and
after how many silent minutes a person's chat is offered to the team again.

A team without a row gets the defaults (the `team_rules` table is in `bot.staff.tables`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.tables import DEFAULT_MAX_WAIT_MINUTES, DEFAULT_SILENCE_MINUTES, TeamRules


@dataclass(frozen=True)
class Rules:
    """The rules that apply to one team (defaults filled in)."""

    crisis_pool: bool = False
    max_wait_minutes: int = DEFAULT_MAX_WAIT_MINUTES
    silence_minutes: int = DEFAULT_SILENCE_MINUTES


async def all_rules(session: AsyncSession) -> dict[int, Rules]:
    """Rules per team id, for the teams that have a row."""
    rows = (await session.scalars(select(TeamRules))).all()
    return {
        r.team_id: Rules(bool(r.crisis_pool), int(r.max_wait_minutes), int(r.silence_minutes))
        for r in rows
    }


async def rules_for(session: AsyncSession, team_id: int | None) -> Rules:
    """The rules of one team (defaults when it has none)."""
    if team_id is None:
        return Rules()
    row = await session.get(TeamRules, team_id)
    if row is None:
        return Rules()
    return Rules(bool(row.crisis_pool), int(row.max_wait_minutes), int(row.silence_minutes))


async def set_rules(
    session: AsyncSession,
    team_id: int,
    *,
    crisis_pool: bool | None = None,
    max_wait_minutes: int | None = None,
    silence_minutes: int | None = None,
) -> TeamRules:
    """Create or change a team's rules (the caller commits)."""
    row = await session.get(TeamRules, team_id)
    if row is None:
        row = TeamRules(
            team_id=team_id,
            crisis_pool=False,
            max_wait_minutes=DEFAULT_MAX_WAIT_MINUTES,
            silence_minutes=DEFAULT_SILENCE_MINUTES,
        )
        session.add(row)
    if crisis_pool is not None:
        row.crisis_pool = crisis_pool
    if max_wait_minutes is not None:
        row.max_wait_minutes = max(1, max_wait_minutes)
    if silence_minutes is not None:
        row.silence_minutes = max(1, silence_minutes)
    return row
