"""Admins open a conversation outside their own team only with a reason (AVG: need to know).

The reason is kept (for the team lead to read), written to the audit log as the action
`access.reason`, and announced to the team lead with an `admin_access` alert. A reason holds for
this admin and this conversation for `REASON_HOURS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.alerts import raise_alert
from bot.staff.audit import record as audit
from bot.staff.auth import User
from bot.staff.tables import AccessReason, StaffUser
from bot.storage.base import utcnow

REASON_HOURS = 8
MIN_REASON = 20  # characters: "even kijken" is not a reason
MAX_REASON = 500


class ReasonTooShort(ValueError):
    """The reason given is too short to tell the team lead anything."""


def outside_own_team(user: User, team_id: int | None) -> bool:
    """True when an admin looks at a conversation that is not their own team's."""
    return user.is_admin and (team_id is None or team_id != user.team_id)


async def needs_reason(
    session: AsyncSession, user: User, conversation_id: str, team_id: int | None
) -> bool:
    """True when this admin must give a reason before opening the conversation."""
    if not outside_own_team(user, team_id):
        return False
    given = await session.scalar(
        select(AccessReason.id).where(
            AccessReason.conversation_id == conversation_id,
            AccessReason.staff_id == user.id,
            AccessReason.expires_at > utcnow(),
        )
    )
    return given is None


async def give_reason(
    session: AsyncSession,
    user: User,
    conversation_id: str,
    team_id: int | None,
    reason: str,
    *,
    origin: str | None,
) -> AccessReason:
    """Keep the reason, audit it and tell the team lead (in the caller's transaction).

    Raises:
        ReasonTooShort: fewer than `MIN_REASON` characters.
    """
    reason = " ".join(reason.split())[:MAX_REASON]
    if len(reason) < MIN_REASON:
        raise ReasonTooShort(reason)
    now = utcnow()
    row = AccessReason(
        conversation_id=conversation_id,
        staff_id=user.id,
        team_id=team_id,
        reason=reason,
        created_at=now,
        expires_at=now + timedelta(hours=REASON_HOURS),
    )
    session.add(row)
    audit(
        session,
        actor_id=user.id,
        action="access.reason",
        conversation_id=conversation_id,
        object_ref=f"team:{team_id}" if team_id else None,
        origin=origin,
    )
    if team_id is not None:
        await raise_alert(
            session, kind="admin_access", audience="team_lead", team_id=team_id, ref=conversation_id
        )
    await session.flush()
    return row


async def reasons_for_team(
    session: AsyncSession, team_id: int | None, *, limit: int = 100
) -> Sequence[tuple[AccessReason, str]]:
    """The latest reasons given for this team's conversations, with the admin's name."""
    query = (
        select(AccessReason, StaffUser.name)
        .join(StaffUser, StaffUser.id == AccessReason.staff_id)
        .order_by(AccessReason.id.desc())
        .limit(limit)
    )
    if team_id is not None:
        query = query.where(AccessReason.team_id == team_id)
    return [(row, str(name)) for row, name in (await session.execute(query)).all()]
