"""Directory: municipalities, postcode areas, help services.

Revision ID: directory_0001
Revises: 0001_base
"""

import sqlalchemy as sa
from alembic import op

revision = "directory_0001"
down_revision = "0001_base"
branch_labels = ("directory",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "municipalities",
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("province", sa.String(40), nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("merged_into", sa.String(8), sa.ForeignKey("municipalities.code")),
    )
    op.create_index("ix_municipalities_name", "municipalities", ["name"])
    op.create_table(
        "postcode_areas",
        sa.Column("pc4", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(
            "municipality_code", sa.String(8), sa.ForeignKey("municipalities.code"), nullable=False
        ),
        sa.Column("addresses", sa.Integer, nullable=False),
        sa.Column("others", sa.JSON, nullable=False),
    )
    op.create_index("ix_postcode_areas_municipality_code", "postcode_areas", ["municipality_code"])
    op.create_table(
        "help_services",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("audience", sa.String(200)),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("municipalities", sa.JSON, nullable=False),
        sa.Column("phone", sa.String(40)),
        sa.Column("website", sa.String(300)),
        sa.Column("chat", sa.String(300)),
        sa.Column("address", sa.String(300)),
        sa.Column("walk_in", sa.String(300)),
        sa.Column("free", sa.Boolean),
        sa.Column("anonymous", sa.Boolean),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("example", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(500)),
        sa.Column("source_date", sa.String(40)),
        sa.Column("last_checked", sa.Date),
        sa.Column("expires", sa.Date),
        sa.Column("owner", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("help_services")
    op.drop_table("postcode_areas")
    op.drop_table("municipalities")
