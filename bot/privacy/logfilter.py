"""A logging filter that takes personal data out of every log record before it is written.

SQLAlchemy puts the parameters of a failed statement into its error message (a phone number, a
chat id, a message text): the filter removes that part entirely, database error details
("Key (address)=(…)") too, and masks what our patterns recognise (phone numbers, e-mail, IBAN,
BSN, long numbers). Install it on the handlers (`install`); engines also get `hide_parameters`.
"""

from __future__ import annotations

import logging
import re

from bot.privacy.redact import redact_patterns

SQL_PARAMETERS = re.compile(
    r"\[parameters: .*?\](?=\s*(?:\(Background on this error|\[SQL:|\Z))", re.DOTALL
)
DB_DETAIL = re.compile(r"(Key \([^)]*\))=\((?:[^()]|\([^)]*\))*\)")
REMOVED = "[parameters: removed]"


def clean(text: str) -> str:
    """``text`` without statement parameters, database key values and recognisable data."""
    text = SQL_PARAMETERS.sub(REMOVED, text)
    text = DB_DETAIL.sub(r"\1=(…)", text)
    return redact_patterns(text)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record's message and traceback; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = clean(message), ()
        if record.exc_info:
            record.exc_text = clean(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = clean(record.exc_text)
        if record.stack_info:
            record.stack_info = clean(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> PersonalDataFilter:
    """Add the filter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    found = PersonalDataFilter()
    for handler in target.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(found)
    return found
