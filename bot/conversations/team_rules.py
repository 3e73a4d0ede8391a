"""Per-team rules for attending: the 24/7 crisis pool mark, how long a resident may wait, and
after how many silent minutes a person's chat is offered to the team again.

A team without a row gets the defaults below. Teams themselves live in `bot.staff`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.staff import tables as _staff_tables  # noqa: F401 - the rules refer to teams
from bot.storage.base import Base

DEFAULT_MAX_WAIT_MINUTES = 20
DEFAULT_SILENCE_MINUTES = 10


class TeamRules(Base):
    """How one team attends: crisis pool (around the clock), waiting limit, silence limit."""

    __tablename__ = "team_rules"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    crisis_pool: Mapped[bool] = mapped_column(Boolean, default=False)
    max_wait_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_WAIT_MINUTES)
    silence_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_SILENCE_MINUTES)


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
