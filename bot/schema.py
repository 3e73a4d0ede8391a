"""Every part's tables in one metadata: the list of table modules lives here, in the App.

Each part declares its own tables (``bot/<part>/tables.py``) on the shared declarative base
(`bot.storage.base.Base`); importing this module imports all of them, so `metadata()` is
complete. The forget-me and retention code (through the app factory), the schema test and
whoever autogenerates a migration (``alembic_config(url, metadata=metadata())``) read it here.
A new part with tables adds one import below.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from bot.analytics import tables as analytics_tables
from bot.console import tables as console_tables
from bot.conversations import tables as conversation_tables
from bot.directory import tables as directory_tables
from bot.media import tables as media_tables
from bot.plan import tables as plan_tables
from bot.staff import tables as staff_tables
from bot.storage.base import Base

TABLE_MODULES = (
    analytics_tables,
    console_tables,
    conversation_tables,
    directory_tables,
    media_tables,
    plan_tables,
    staff_tables,
)


def metadata() -> MetaData:
    """The metadata of every table of every part."""
    return Base.metadata
