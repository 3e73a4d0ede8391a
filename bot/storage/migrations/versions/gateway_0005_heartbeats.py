"""Gateway: a heartbeat per running instance (issue 21).

Each instance's workers update their row every few seconds; a claim may take over an item
leased by an instance whose heartbeat is older than ten seconds, instead of waiting for the
lease (60 s) to run out.

Revision ID: gateway_0005
Revises: gateway_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0005"
down_revision = "gateway_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("instances")
