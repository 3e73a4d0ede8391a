"""Gateway: leases on the inbox and outbox (several instances), WhatsApp templates per municipality.

Inbox and outbox items are claimed with a lease (`lease_owner`, `lease_until`) so that several
gateway instances share the work; on PostgreSQL a trigger sends NOTIFY on new work so that every
instance wakes at once instead of polling.

Revision ID: gateway_0002
Revises: gateway_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION geldhulp_notify_work() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('geldhulp_' || TG_TABLE_NAME, '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("conversation_id", sa.String(36)))
        batch.add_column(sa.Column("message_id", sa.Integer))
        batch.add_column(sa.Column("failures", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.String(200)))
        batch.add_column(sa.Column("done_at", sa.DateTime(timezone=True)))
    op.create_index("ix_inbox_sender_status_id", "inbox", ["sender_hash", "status", "id"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(64)))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("failures", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_outbox_address_status_id", "outbox", ["channel", "address", "status", "id"])
    op.create_table(
        "whatsapp_templates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # None: the default of every municipality without its own template
        sa.Column("municipality_code", sa.String(8), unique=True),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(
            "CREATE TRIGGER inbox_notify AFTER INSERT ON inbox "
            "FOR EACH STATEMENT EXECUTE FUNCTION geldhulp_notify_work()"
        )
        op.execute(
            "CREATE TRIGGER outbox_notify AFTER INSERT OR UPDATE OF status ON outbox "
            "FOR EACH STATEMENT EXECUTE FUNCTION geldhulp_notify_work()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS inbox_notify ON inbox")
        op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
        op.execute("DROP FUNCTION IF EXISTS geldhulp_notify_work()")
    op.drop_table("whatsapp_templates")
    op.drop_index("ix_outbox_address_status_id", "outbox")
    with op.batch_alter_table("outbox") as batch:
        for name in ("failures", "lease_until", "lease_owner"):
            batch.drop_column(name)
    op.drop_index("ix_inbox_sender_status_id", "inbox")
    with op.batch_alter_table("inbox") as batch:
        for name in (
            "done_at",
            "last_error",
            "failures",
            "message_id",
            "conversation_id",
            "lease_until",
            "lease_owner",
        ):
            batch.drop_column(name)
