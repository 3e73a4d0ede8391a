"""Gateway: the language a conversation is held in (issue 17).

Rasa keeps the resident's language in its `language` slot (detected from a clear message or
chosen with the language button); the gateway keeps a copy on the conversation so that the texts
it renders itself (waiting, a person, delivery) and the console use the same language.
NULL means Dutch.

Revision ID: gateway_0003
Revises: gateway_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "gateway_0003"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("language")
