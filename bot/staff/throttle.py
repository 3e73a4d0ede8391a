"""Login throttling that parallel attempts cannot race: one atomic upsert per attempt.

Before a password (or code) is checked, the attempt is counted for the pair (account, address)
and for the address alone, in one statement that returns the new count; over the limit, the
password is not checked at all. The pair key means a stranger elsewhere cannot lock a counsellor
out: only their own address is held back. Keys are keyed hashes (no e-mail or IP in clear).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.staff.tables import LoginThrottle
from bot.storage.base import utcnow

WINDOW = timedelta(minutes=15)
PAIR_LIMIT = 5  # attempts per account from one address per window
ADDRESS_LIMIT = 30  # attempts from one address (any account) per window
SPIKE_LIMIT = 20  # failed attempts everywhere per window: the admins get a `login_spike` alert


@dataclass(frozen=True)
class Keys:
    """The counter keys of one login attempt."""

    pair: str
    address: str


def keys_for(secret: str, email: str, address: str | None) -> Keys:
    """Keyed hashes of the typed e-mail (known or not) and the client address."""

    def h(kind: str, value: str) -> str:
        digest = hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
        return f"{kind}:{digest.hexdigest()[:40]}"

    ip = address or "-"
    return Keys(pair=h("pair", f"{email.strip().lower()}|{ip}"), address=h("ip", ip))


async def bump(session: AsyncSession, key: str, now: datetime | None = None) -> int:
    """Count one attempt for ``key`` in the current window and return the new count (atomic)."""
    now = now or utcnow()
    start = now - WINDOW
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table: Table = LoginThrottle.__table__  # type: ignore[assignment]
    expired = table.c.window_start < start
    upsert = insert(table).values(key=key, window_start=now, count=1)
    stmt = upsert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "count": case((expired, 1), else_=table.c.count + 1),
            "window_start": case((expired, now), else_=table.c.window_start),
        },
    ).returning(table.c.count)
    return int((await session.execute(stmt)).scalar_one())


async def reserve(factory: async_sessionmaker[AsyncSession], keys: Keys) -> bool:
    """Count an attempt (committed at once); False when the pair or the address is over its
    limit, and then nothing may be checked."""
    async with factory() as session:
        pair = await bump(session, keys.pair)
        address = await bump(session, keys.address)
        await session.commit()
    return pair <= PAIR_LIMIT and address <= ADDRESS_LIMIT


async def forgive(factory: async_sessionmaker[AsyncSession], keys: Keys) -> None:
    """A successful login: the pair starts again (the address count stays)."""
    async with factory() as session:
        await session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys.pair))
        await session.commit()


async def count_failure(session: AsyncSession) -> int:
    """Count one failed attempt everywhere; return the count of this window."""
    return await bump(session, "all:failed")


async def purge_throttle(session: AsyncSession, now: datetime) -> None:
    """Delete counters whose window ended."""
    await session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < now - WINDOW))
