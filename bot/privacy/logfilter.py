"""One logging filter for every process we start: no personal data in any log line.

Installed by `install` as the process's log-record factory, so it cleans every record any
library creates, whatever handler (ours, Sanic's, coloredlogs') writes it later:

- a database error in a record's exception is replaced by its class, SQLSTATE and the
  statement's first words (`ScrubbedDatabaseError`): PostgreSQL's "Failing row contains (…)",
  "Key (…)=(…)" and SQLAlchemy's "[parameters: …]" carry the row (a phone number, a text);
- in the message and every traceback, statement parameters, database details and key values
  are removed, and what our patterns recognise is masked (phone numbers, e-mail, IBAN, BSN,
  long numbers; `bot.privacy.redact.redact_patterns`).

The gateway and every CLI command (`bot.cli.configure_logging`) and the action server
(`bot.actionserver`, in each of its worker processes) install it. Our engines also hide a
failing statement's parameters (``hide_parameters=True`` in `bot.storage.db.create_engine`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from bot.privacy.redact import redact_patterns

SQL_PARAMETERS = re.compile(
    r"\[parameters: .*?\](?=\s*(?:\(Background on this error|\[SQL:|\Z))", re.DOTALL
)
DB_DETAIL = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^)]*\))*\)")
# PostgreSQL's details of a failing row, to the end of the text: nothing after them is needed
ROW_DETAIL = re.compile(r"(DETAIL:|Failing row contains).*", re.DOTALL)
REMOVED = "[parameters: removed]"
INSTALLED = "personal-data log filter installed"  # each service process says so once
HIDDEN = "[details hidden]"
# the secret of a plan link (/hulp/plan/<token>) in an access-log line: the link is the key
PLAN_LINK = re.compile(r"(/hulp/plan/)[A-Za-z0-9_-]+")


def clean(text: str) -> str:
    """``text`` without statement parameters, database details and recognisable data."""
    text = SQL_PARAMETERS.sub(REMOVED, text)
    text = DB_DETAIL.sub(r"\1=(…)", text)
    text = ROW_DETAIL.sub(HIDDEN, text)
    text = PLAN_LINK.sub(r"\1…", text)
    return redact_patterns(text)


def describe(exc: BaseException) -> str:
    """A database error without data: class, SQLSTATE, the statement's first words."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or ""
    words = " ".join(str(getattr(exc, "statement", None) or "").split()[:4])
    return f"{orig.__class__.__name__}{f' sqlstate={code}' if code else ''}" + (
        f" in '{words} …'" if words else ""
    )


def _is_database_error(exc: BaseException | None) -> bool:
    module = exc.__class__.__module__ if exc is not None else ""
    return module.startswith(("sqlalchemy", "asyncpg", "sqlite3", "psycopg"))


class ScrubbedDatabaseError(Exception):
    """Stands in for a database error in a log record (same traceback, no data)."""


_formatter = logging.Formatter()


def scrub(record: logging.LogRecord) -> None:
    """Clean one record in place (message, exception, stack); idempotent."""
    if getattr(record, "scrubbed", False):
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = clean(message), ()
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        chain = [exc, exc.__cause__, exc.__context__]
        culprit = next((e for e in chain if e is not None and _is_database_error(e)), None)
        if culprit is not None:
            scrubbed = ScrubbedDatabaseError(describe(culprit))
            record.exc_info = (ScrubbedDatabaseError, scrubbed, record.exc_info[2])
        record.exc_text = clean(_formatter.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = clean(record.exc_text)
    if record.stack_info:
        record.stack_info = clean(record.stack_info)
    record.scrubbed = True


class PersonalDataFilter(logging.Filter):
    """The same cleaning as a handler filter (for a handler of a logger of its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


def install(logger: logging.Logger | None = None) -> PersonalDataFilter:
    """Clean every log record of this process from now on (once), and add the filter to the
    handlers of ``logger`` (the root logger by default)."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if not getattr(previous, "scrubs", False):

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            scrub(record)
            return record

        factory.scrubs = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)
    found = PersonalDataFilter()
    target = logger or logging.getLogger()
    for handler in [*target.handlers, logging.lastResort]:
        if handler is not None and not any(
            isinstance(f, PersonalDataFilter) for f in handler.filters
        ):
            handler.addFilter(found)
    return found


def announce() -> None:
    """Say in the log that this process cleans its records (the services do, at start-up; the
    test of every process's log reads it)."""
    if getattr(logging.getLogRecordFactory(), "scrubs", False):
        logging.getLogger(__name__).info(INSTALLED)
