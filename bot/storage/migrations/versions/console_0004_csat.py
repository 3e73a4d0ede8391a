"""Console: the answers to the one question after a person closed a chat (CSAT), without
content and without a link to the conversation.

Revision ID: console_0004
Revises: console_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0004"
down_revision = "console_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "csat_answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="SET NULL")),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("answered_on", sa.Date, nullable=False),
    )
    op.create_index("ix_csat_answers_answered_on", "csat_answers", ["answered_on"])


def downgrade() -> None:
    op.drop_table("csat_answers")
