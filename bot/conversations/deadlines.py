"""Wgs deadlines for a first contact, counted from the moment the resident asked for a person.

Threatening debts (an eviction, a cut-off of energy or water) get a first contact within 3
working days; other debt help within 4 weeks (Wet gemeentelijke schuldhulpverlening, art. 4a;
sources in docs/wgs.md). Working days skip weekends and the public holidays of the Algemene
termijnenwet (art. 3). Whether a chat counts as a formal request ("melding") is the
municipality's call: the console shows the date so that nobody misses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")
THREATENING = frozenset({"eviction", "cutoff"})  # dreigende ontruiming, afsluiting energie/water
WORKING_DAYS_THREATENING = 3
WEEKS_OTHER = 4


@dataclass(frozen=True)
class Deadline:
    """The first-contact deadline of one request: which rule, and the last day."""

    rule: str  # "threatening" (3 working days) | "debt_help" (4 weeks)
    due: date
    asked_at: datetime


def easter(year: int) -> date:
    """Easter Sunday (Gregorian calendar; the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def public_holidays(year: int) -> frozenset[date]:
    """The generally recognised holidays of the Algemene termijnenwet art. 3 for ``year``."""
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it is celebrated the day before
        kings_day = date(year, 4, 26)
    return frozenset(
        {
            date(year, 1, 1),
            sunday + timedelta(days=1),  # tweede paasdag
            kings_day,
            date(year, 5, 5),
            sunday + timedelta(days=39),  # hemelvaartsdag
            sunday + timedelta(days=50),  # tweede pinksterdag
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The day ``days`` working days after ``start`` (the day of the request does not count)."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def first_contact(asked_at: datetime, urgency_flags: list[str] | tuple[str, ...]) -> Deadline:
    """The Wgs deadline for the first contact after a request at ``asked_at``."""
    local = asked_at.astimezone(TZ).date()
    if THREATENING & set(urgency_flags or ()):
        return Deadline("threatening", add_working_days(local, WORKING_DAYS_THREATENING), asked_at)
    return Deadline("debt_help", local + timedelta(weeks=WEEKS_OTHER), asked_at)
