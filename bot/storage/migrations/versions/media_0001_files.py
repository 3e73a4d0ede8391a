"""Media: the files residents send (photos, PDFs, voice notes), sealed with AES-GCM (issue 19).

Tied to the conversation (deleted with it by forget-me and retention) and to the message that
carried the file. A web chat upload waits without a conversation (owner_hash) until the router
takes it.

Revision ID: media_0001
Revises: gateway_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "media_0001"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_files",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("owner_hash", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("reading", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_media_files_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name="fk_media_files_message_id_messages",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_media_files"),
    )
    op.create_index(
        "ix_media_files_conversation_time", "media_files", ["conversation_id", "created_at"]
    )
    op.create_index("ix_media_files_message_id", "media_files", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_media_files_message_id", table_name="media_files")
    op.drop_index("ix_media_files_conversation_time", table_name="media_files")
    op.drop_table("media_files")
