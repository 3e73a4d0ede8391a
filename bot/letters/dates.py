"""Dates: find each span with a pattern (3 maart 2025, 03-03-2025, di 3 mrt.), then parse it.

Searching a whole letter for "anything that parses as a date" finds postcodes, IBAN digits
and amounts. We only accept spans that look like a date, and check the calendar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.letters.layout import Line

MONTHS = {
    "januari": 1, "jan": 1,
    "februari": 2, "feb": 2, "febr": 2,
    "maart": 3, "mrt": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5,
    "juni": 6, "jun": 6,
    "juli": 7, "jul": 7,
    "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10,
    "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY_NAME = (
    r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|ma|di|wo|do|vr|za|zo)\.?,?\s+"
)
_TEXT_DATE = re.compile(
    rf"(?<![\w])(?:{_DAY_NAME})?(?P<day>[0-3]?\d)(?:e|ste|de)?\s*(?P<month>{_MONTH})(?![a-z])\.?"
    rf"(?:,?\s*(?P<year>(?:19|20)\d\d)(?!\d))?",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,/-])(?P<day>[0-3]?\d)(?P<sep>[-./])(?P<month>[01]?\d)(?P=sep)"
    r"(?P<year>(?:19|20)\d\d|\d\d)(?![\d,]|\.\d)"
)
_ISO_DATE = re.compile(r"(?<![\d-])(?P<year>20\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?![\d])")


@dataclass(frozen=True)
class DateSpan:
    """One date on one line. ``has_year`` is False for "vóór 15 april" (year inferred later)."""

    value: date
    line: int
    start: int
    end: int
    has_year: bool


def find_dates(line: Line) -> list[DateSpan]:
    """Every well-formed calendar date on the line."""
    spans: list[DateSpan] = []
    for pattern in (_TEXT_DATE, _NUMERIC_DATE, _ISO_DATE):
        for match in pattern.finditer(line.text):
            if any(s.start <= match.start() < s.end for s in spans):
                continue
            parsed = _parse(match)
            if parsed is not None:
                value, has_year = parsed
                spans.append(DateSpan(value, line.index, match.start(), match.end(), has_year))
    return sorted(spans, key=lambda s: s.start)


def _parse(match: re.Match[str]) -> tuple[date, bool] | None:
    month_text = match.group("month")
    month = MONTHS.get(month_text.lower()) if not month_text.isdigit() else int(month_text)
    year_text = match.group("year")
    has_year = bool(year_text)
    year = int(year_text) if year_text else 2000
    if year < 100:
        year += 2000
    try:
        value = date(year, month or 0, int(match.group("day")))
    except ValueError:
        return None
    if has_year and not 2000 <= value.year <= 2100:
        return None
    return value, has_year


def with_year(span: DateSpan, reference: date) -> date:
    """A date without a year gets the year that puts it closest after the reference date."""
    if span.has_year:
        return span.value
    for year in (reference.year, reference.year + 1):
        try:
            candidate = span.value.replace(year=year)
        except ValueError:
            continue
        if candidate >= reference - timedelta(days=31):
            return candidate
    return span.value.replace(year=reference.year)


_NUMBER_WORDS = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7,
    "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14,
    "vijftien": 15, "twintig": 20, "dertig": 30, "eenentwintig": 21, "achtentwintig": 28,
}  # fmt: skip
_WITHIN = re.compile(
    r"\bbinnen\s+(?P<n>\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s*(?:\(\s*\d+\s*\)\s*)?"
    r"(?P<unit>werkdagen|kalenderdagen|dagen|dag|weken|week|maanden|maand)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Period:
    """ "binnen 14 dagen (na dagtekening)": a deadline counted from the letter's date."""

    days: int
    workdays: bool
    line: int
    start: int
    end: int


def find_periods(line: Line) -> list[Period]:
    """Every "binnen N dagen/weken" on the line."""
    periods = []
    for match in _WITHIN.finditer(line.text):
        n_text = match.group("n").lower()
        n = int(n_text) if n_text.isdigit() else _NUMBER_WORDS[n_text]
        unit = match.group("unit").lower()
        days = n * 7 if unit in ("week", "weken") else n * 30 if unit.startswith("maand") else n
        if unit.startswith("maand"):
            days = -n  # months are counted on the calendar, see add_period
        periods.append(Period(days, unit == "werkdagen", line.index, match.start(), match.end()))
    return periods


def add_period(start: date, period: Period) -> date:
    """The last day of the period that starts on ``start``."""
    if period.days < 0:
        months = -period.days
        month = start.month - 1 + months
        year, month = start.year + month // 12, month % 12 + 1
        day = min(
            start.day,
            [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1],
        )
        return date(year, month, day)
    if not period.workdays:
        return start + timedelta(days=period.days)
    current, left = start, period.days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def iso(value: date | None) -> str | None:
    """ISO text for JSON."""
    return value.isoformat() if value else None


def format_date(value: date) -> str:
    """Dutch date for the resident: 3 maart 2025."""
    names = [
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ]  # fmt: skip
    return f"{value.day} {names[value.month - 1]} {value.year}"
