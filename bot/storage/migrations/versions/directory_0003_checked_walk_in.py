"""Directory: opening hours per weekday, walk-in yes/no, demo entries, a check limit per municipality.

Revision ID: directory_0003
Revises: directory_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "directory_0003"
down_revision = "directory_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("help_services") as batch:
        # {"ma": [["09:30", "11:30"]], ...}: when the place is open, per weekday
        batch.add_column(sa.Column("opening_hours", sa.JSON))
        # a place to walk in without an appointment (with or without known hours)
        batch.add_column(sa.Column("walk_in_place", sa.Boolean))
        # seeded by `geldhulp demo seed` (development only): shown as "demo-gegevens"
        batch.add_column(sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()))
    with op.batch_alter_table("municipalities") as batch:
        # entries not checked for longer than this are flagged on the dashboard (None: default)
        batch.add_column(sa.Column("check_limit_days", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("municipalities") as batch:
        batch.drop_column("check_limit_days")
    with op.batch_alter_table("help_services") as batch:
        batch.drop_column("demo")
        batch.drop_column("walk_in_place")
        batch.drop_column("opening_hours")
