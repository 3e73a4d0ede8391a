"""Staff data kept no longer than needed: expired login sessions and old login counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.tables import StaffSession


async def purge_staff(session: AsyncSession, now: datetime) -> None:
    """Delete expired staff sessions (in the caller's transaction)."""
    await session.execute(delete(StaffSession).where(StaffSession.expires_at < now))
