"""Staff: the audit log gets object, result, origin and a hash chain; the actor may be unknown
(a login attempt on an account that does not exist). Existing entries are chained in id order.

Revision ID: staff_0002
Revises: staff_0001
"""

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


def _chain_existing() -> None:
    from types import SimpleNamespace

    from bot.staff.audit import GENESIS, entry_hash
    from bot.storage.base import UTCDateTime

    log = sa.table(
        "audit_log",
        *(sa.column(n) for n in ("id", "staff_id", "conversation_id", "action", "object_ref")),
        *(sa.column(n) for n in ("result", "origin", "prev_hash", "hash")),
        sa.column("at", UTCDateTime),
    )
    conn = op.get_bind()
    prev = GENESIS
    for row in conn.execute(sa.select(log).order_by(log.c.id)).mappings().all():
        digest = entry_hash(prev, SimpleNamespace(**row))  # type: ignore[arg-type]
        conn.execute(
            sa.update(log).where(log.c.id == row["id"]).values(prev_hash=prev, hash=digest)
        )
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        for name in ("hash", "prev_hash", "origin", "result", "object_ref"):
            batch.drop_column(name)
