"""Keep personal data out of logs when a database call fails.

A failing write's exception text can carry the row: PostgreSQL's "Failing row contains (…)"
and "Key (…)=(…)" details, SQLAlchemy's "[parameters: …]". The engines hide parameters
(``hide_parameters=True``); this filter rewrites what is left. Installed on the handlers of
the root logger by the command line (``install``), it replaces a database error's message with
its class, SQLSTATE and the statement's first words, and scrubs the same details from plain
log messages.
"""

from __future__ import annotations

import logging
import re

_DETAIL = re.compile(
    r"(DETAIL:.*|Failing row contains.*|Key \(.*?\)=\(.*?\).*|\[parameters:.*?\]|"
    r"\[SQL parameters hidden.*?\])",
    re.DOTALL,
)


def _statement(exc: BaseException) -> str:
    statement = getattr(exc, "statement", None) or ""
    return " ".join(str(statement).split()[:4])


def describe(exc: BaseException) -> str:
    """A database error without data: class, SQLSTATE, the statement's first words."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or ""
    words = _statement(exc)
    return f"{orig.__class__.__name__}{f' sqlstate={code}' if code else ''}" + (
        f" in '{words} …'" if words else ""
    )


def _is_database_error(exc: BaseException) -> bool:
    module = exc.__class__.__module__
    return module.startswith(("sqlalchemy", "asyncpg", "sqlite3", "psycopg"))


class ScrubbedDatabaseError(Exception):
    """Stands in for a database error in a log record (same traceback, no data)."""


class DatabaseErrorFilter(logging.Filter):
    """Rewrites database errors and their details in every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            chain = [exc, exc.__cause__, exc.__context__]
            if any(e is not None and _is_database_error(e) for e in chain):
                culprit = next(e for e in chain if e is not None and _is_database_error(e))
                scrubbed = ScrubbedDatabaseError(describe(culprit))
                record.exc_info = (ScrubbedDatabaseError, scrubbed, record.exc_info[2])
                record.exc_text = None
        if isinstance(record.msg, str) and _DETAIL.search(record.msg):
            record.msg = _DETAIL.sub("[details hidden]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _DETAIL.sub("[details hidden]", a) if isinstance(a, str) else a for a in record.args
            )
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of ``logger`` (the root logger by default), once."""
    target = logger or logging.getLogger()
    for handler in [*target.handlers, logging.lastResort]:
        if handler is not None and not any(
            isinstance(f, DatabaseErrorFilter) for f in handler.filters
        ):
            handler.addFilter(DatabaseErrorFilter())
