"""Console: ready-made replies per team; out-of-hours consent on a handover.

Revision ID: console_0002
Revises: console_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0002"
down_revision = "console_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handovers") as batch:
        batch.add_column(sa.Column("contact_consent", sa.Boolean))
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("title", sa.String(60), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_quick_replies_team_id", "quick_replies", ["team_id"])


def downgrade() -> None:
    op.drop_table("quick_replies")
    with op.batch_alter_table("handovers") as batch:
        batch.drop_column("contact_consent")
