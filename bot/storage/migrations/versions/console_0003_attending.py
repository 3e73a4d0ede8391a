"""Attending (issue 9): crisis, acknowledgement, timeout and callback marks on handovers; the
summary kept with the conversation; per-team rules (24/7 crisis pool, waiting and silence limits).

Revision ID: console_0003
Revises: console_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0003"
down_revision = "console_0002"
branch_labels = None
depends_on = None

HANDOVER_TIMES = (
    "crisis_at",
    "possible_crisis_at",
    "acked_at",
    "overdue_at",
    "callback_due_at",
    "reoffered_at",
)


def upgrade() -> None:
    with op.batch_alter_table("handovers") as batch:
        batch.add_column(sa.Column("crisis_kind", sa.String(20)))
        for name in HANDOVER_TIMES:
            batch.add_column(sa.Column(name, sa.DateTime(timezone=True)))
        batch.add_column(
            sa.Column("left_message", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("seen_message_id", sa.Integer))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("summary", sa.JSON))
    op.create_table(
        "team_rules",
        sa.Column(
            "team_id",
            sa.Integer,
            sa.ForeignKey("teams.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("crisis_pool", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("max_wait_minutes", sa.Integer, nullable=False, server_default="20"),
        sa.Column("silence_minutes", sa.Integer, nullable=False, server_default="10"),
    )


def downgrade() -> None:
    op.drop_table("team_rules")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("summary")
    with op.batch_alter_table("handovers") as batch:
        for name in ("seen_message_id", "left_message", *HANDOVER_TIMES, "crisis_kind"):
            batch.drop_column(name)
