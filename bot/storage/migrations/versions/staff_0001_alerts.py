"""Staff: alerts for a team, its lead or the admins (missed crisis, login spikes, overdue chats).

Revision ID: staff_0001
Revises: console_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "staff_0001"
down_revision = "console_0002"
branch_labels = ("staff",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE")),
        sa.Column("municipality_code", sa.String(8)),
        sa.Column("ref", sa.String(80)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True)),
        sa.Column("seen_by", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
    )
    op.create_index("ix_staff_alerts_team_id", "staff_alerts", ["team_id"])
    op.create_index("ix_staff_alerts_municipality_code", "staff_alerts", ["municipality_code"])


def downgrade() -> None:
    op.drop_table("staff_alerts")
