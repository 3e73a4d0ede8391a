"""Directory: what an entry is for, who checked it, and the municipality's general number.

Revision ID: directory_0002
Revises: directory_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "directory_0002"
down_revision = "directory_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("help_services") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(16), nullable=False, server_default="personal")
        )
        batch.add_column(sa.Column("checked_by", sa.String(120)))
    with op.batch_alter_table("municipalities") as batch:
        batch.add_column(sa.Column("phone", sa.String(40)))
        batch.add_column(sa.Column("phone_source", sa.String(500)))
        batch.add_column(sa.Column("phone_source_date", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("phone_source_date")
        batch.drop_column("phone_source")
        batch.drop_column("phone")
    with op.batch_alter_table("help_services") as batch:
        batch.drop_column("checked_by")
        batch.drop_column("purpose")
