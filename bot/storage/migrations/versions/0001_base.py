"""Base: analytics events and unanswered questions (shared by gateway, console, dashboard).

Revision ID: 0001_base
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_base"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("municipality_code", sa.String(8)),
        sa.Column("channel", sa.String(16)),
        sa.Column("conversation_ref", sa.String(32)),
        sa.Column("topic", sa.String(40)),
        sa.Column("confidence", sa.Float),
        sa.Column("reason", sa.String(20)),
        sa.Column("kind", sa.String(20)),
        sa.Column("outcome", sa.String(30)),
        sa.Column("value_seconds", sa.Float),
        sa.Column("out_of_hours", sa.Boolean),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_analytics_events_occurred_at", "analytics_events", ["occurred_at"])
    op.create_index("ix_analytics_events_name", "analytics_events", ["name"])
    op.create_index(
        "ix_analytics_events_conversation_ref", "analytics_events", ["conversation_ref"]
    )
    op.create_index(
        "ix_analytics_events_muni_time", "analytics_events", ["municipality_code", "occurred_at"]
    )
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("municipality_code", sa.String(8)),
        sa.Column("channel", sa.String(16)),
        sa.Column("text_redacted", sa.Text, nullable=False),
        sa.Column("intent_guess", sa.String(40)),
        sa.Column("confidence", sa.Float),
        sa.Column("handled_at", sa.DateTime(timezone=True)),
        sa.Column("handled_by", sa.String(64)),
        sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_unanswered_questions_occurred_at", "unanswered_questions", ["occurred_at"])
    op.create_index(
        "ix_unanswered_questions_municipality_code", "unanswered_questions", ["municipality_code"]
    )


def downgrade() -> None:
    op.drop_table("unanswered_questions")
    op.drop_table("analytics_events")
