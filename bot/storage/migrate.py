"""Run Alembic migrations from code (the CLI, `make run` and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, metadata: MetaData | None = None) -> Config:
    """An Alembic config for ``url`` without an alembic.ini file. ``metadata`` (every part's
    tables, ``bot.schema.metadata()``) is only needed to autogenerate a revision: the App
    lists the parts' tables, Storage knows none of them."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if metadata is not None:
        cfg.attributes["target_metadata"] = metadata
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the schema at ``url`` to ``revision`` (all feature branches by default)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    """Take the schema at ``url`` back to ``revision``."""
    command.downgrade(alembic_config(url), revision)
