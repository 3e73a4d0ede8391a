"""Import every feature's table module so that ``Base.metadata`` is complete.

Add one line per feature module that defines tables (Alembic's env and the schema test use it).
"""

from __future__ import annotations

import importlib

from bot.storage.base import Base

TABLE_MODULES = [
    "bot.analytics.tables",
    "bot.directory.tables",
    "bot.conversations.tables",
    "bot.conversations.team_rules",
    "bot.staff.tables",
    "bot.console.tables",
    "bot.dashboard.tables",
]


def load_all() -> type[Base]:
    """Import every table module that exists and return the declarative base."""
    for name in TABLE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
    return Base
