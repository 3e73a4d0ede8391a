"""Staff: the audit log gets object, result, origin and a hash chain; the actor may be unknown
(a login attempt on an account that does not exist). Existing entries are chained in id order.

Revision ID: staff_0002
Revises: staff_0001
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "staff_0002"
down_revision = "staff_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("staff_id", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("object_ref", sa.String(120)))
        batch.add_column(sa.Column("result", sa.String(40), nullable=False, server_default="ok"))
        batch.add_column(sa.Column("origin", sa.String(64)))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    _chain_existing()


# Frozen copies of bot.staff.audit's GENESIS and entry_hash as they were at this revision: a
# migration never imports live code, which may change after it.
GENESIS = "0" * 64


def entry_hash(prev_hash: str, row: Any) -> str:
    """The chain hash of an entry: SHA-256 over the previous hash and every field."""
    at: datetime = row["at"]
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    payload = json.dumps(
        [
            row["id"],
            at.isoformat(timespec="microseconds"),
            row["staff_id"],
            row["action"],
            row["conversation_id"],
            row["object_ref"],
            row["result"],
            row["origin"],
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def _chain_existing() -> None:
    log = sa.table(
        "audit_log",
        *(sa.column(n) for n in ("id", "staff_id", "conversation_id", "action", "object_ref")),
        *(sa.column(n) for n in ("result", "origin", "prev_hash", "hash")),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    conn = op.get_bind()
    prev = GENESIS
    for row in conn.execute(sa.select(log).order_by(log.c.id)).mappings().all():
        digest = entry_hash(prev, row)
        conn.execute(
            sa.update(log).where(log.c.id == row["id"]).values(prev_hash=prev, hash=digest)
        )
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for name in ("hash", "prev_hash", "origin", "result", "object_ref"):
            batch.drop_column(name)
