"""Dashboard: review labels on unanswered questions (topic, missed crisis, export) and their
conversation pseudonym.

Revision ID: dashboard_0001
Revises: 0001_base
"""

import sqlalchemy as sa
from alembic import op

revision = "dashboard_0001"
down_revision = "0001_base"
branch_labels = ("dashboard",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.add_column(sa.Column("conversation_ref", sa.String(32)))
        batch.add_column(sa.Column("review_label", sa.String(40)))
        batch.add_column(
            sa.Column("missed_crisis", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("reviewed_by", sa.Integer))
        batch.add_column(sa.Column("exported_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_unanswered_questions_conversation_ref", "unanswered_questions", ["conversation_ref"]
    )
    op.create_index("ix_unanswered_questions_reviewed_at", "unanswered_questions", ["reviewed_at"])


def downgrade() -> None:
    op.drop_index("ix_unanswered_questions_reviewed_at", "unanswered_questions")
    op.drop_index("ix_unanswered_questions_conversation_ref", "unanswered_questions")
    with op.batch_alter_table("unanswered_questions") as batch:
        for column in (
            "exported_at",
            "reviewed_by",
            "reviewed_at",
            "missed_crisis",
            "review_label",
            "conversation_ref",
        ):
            batch.drop_column(column)
