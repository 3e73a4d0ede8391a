"""Callbacks: a phone number a web-chat resident gave for a promised callback (issue 18).

Sealed with the media key, shown only to the team of the chat, deleted when the request ends,
by forget-me and by retention.

Revision ID: callback_0001
Revises: gateway_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "callback_0001"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_phones",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_callback_phones_conversation_id", "callback_phones", ["conversation_id"])


def downgrade() -> None:
    op.drop_index("ix_callback_phones_conversation_id", table_name="callback_phones")
    op.drop_table("callback_phones")
