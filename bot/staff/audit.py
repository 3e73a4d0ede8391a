"""The staff audit log: who did what to which object, from where, with what result.

Every console and dashboard action calls `record` in the same transaction as the action itself.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.tables import AuditEntry


def record(
    session: AsyncSession,
    *,
    actor_id: int,
    action: str,
    conversation_id: str | None = None,
    object_ref: str | None = None,
    result: str = "ok",
    origin: str | None = None,
) -> None:
    """Add one audit entry (committed with the caller's transaction).

    ``object_ref`` names what was acted on when it is not a conversation ("team:3",
    "service:GM0518-inloop"); ``origin`` is the client address; ``result`` is "ok" or why not.
    """
    del object_ref, result, origin  # columns for these arrive with the tamper-evident log
    session.add(AuditEntry(staff_id=actor_id, conversation_id=conversation_id, action=action))
