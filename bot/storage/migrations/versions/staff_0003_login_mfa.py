"""Staff: second factor (TOTP secret, last step, recovery code hashes), login stages of a session,
login counters that cannot be raced, and the reasons admins give to open a conversation.

Revision ID: staff_0003
Revises: staff_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "staff_0003"
down_revision = "staff_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(64)))
        batch.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("totp_last_step", sa.Integer))
        batch.add_column(sa.Column("recovery_codes", sa.JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("staff_sessions") as batch:
        batch.add_column(sa.Column("stage", sa.String(12), nullable=False, server_default="full"))
        batch.add_column(sa.Column("pending_secret", sa.String(64)))
        batch.add_column(sa.Column("code_failures", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "access_reasons",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(36), nullable=False),
        sa.Column(
            "staff_id",
            sa.Integer,
            sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("team_id", sa.Integer, sa.ForeignKey("teams.id", ondelete="SET NULL")),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_access_reasons_conversation_id", "access_reasons", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("access_reasons")
    op.drop_table("login_throttle")
    with op.batch_alter_table("staff_sessions") as batch:
        for name in ("code_failures", "pending_secret", "stage"):
            batch.drop_column(name)
    with op.batch_alter_table("staff_users") as batch:
        for name in ("recovery_codes", "totp_last_step", "totp_enrolled_at", "totp_secret"):
            batch.drop_column(name)
