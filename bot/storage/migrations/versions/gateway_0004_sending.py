"""Gateway: an outbox item records "sending" before the channel call (issue 21).

`sending_at` is set in a short committed transaction right before the call to the channel and
cleared when the result is recorded; an item found with it set after a crash was in flight and
may have reached the resident: it is sent again at most once (`resends`).

Revision ID: gateway_0004
Revises: gateway_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0004"
down_revision = "gateway_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("sending_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("resends", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("resends")
        batch.drop_column("sending_at")
