"""Opening hours per weekday: parse what a person typed, check it, and write it short.

Stored as ``{"ma": [["09:30", "11:30"]], "vr": [["09:30", "11:30"], ["13:00", "15:00"]]}``:
the Dutch day abbreviations as on a shop door, each day one or more ranges in 24-hour time.
In a directory file the same is written as one line, ``ma 09:30-11:30; vr 09:30-11:30``.
Pure functions, no imports outside the standard library (the chat's environment reads them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
Hours = dict[str, list[list[str]]]
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_RANGE = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*[-–]\s*(\d{1,2}[:.]\d{2})\s*$")


class HoursError(ValueError):
    """Opening hours that cannot be read; the message says why, in Dutch."""


def clock(text: str) -> str:
    """``9.30`` or ``09:30`` as ``09:30``; raise :class:`HoursError` for anything else."""
    match = _TIME.match(text.strip())
    if not match:
        raise HoursError(f"'{text.strip()}' is geen tijd; schrijf bijvoorbeeld 09:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def time_range(start: str, until: str) -> list[str]:
    """A checked range: both times valid and the end after the start."""
    first, last = clock(start), clock(until)
    if last <= first:
        raise HoursError(f"{first}-{last}: de eindtijd ligt niet na de begintijd")
    return [first, last]


def parse(value: Any) -> Hours:
    """Opening hours from a file or the database: a mapping ``{ma: "09:30-11:30"}`` (or as
    stored, ``{ma: [["09:30", "11:30"]]}``), or a line
    ``ma 09:30-11:30; di 13:00-15:00`` (several ranges of one day with a comma)."""
    if value in (None, "", {}):
        return {}
    items: list[tuple[str, str]] = []
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k == "__line__":
                continue  # the file reader's line number of this mapping
            if isinstance(v, list):  # already stored: [["09:30", "11:30"], …]
                v = ", ".join(f"{pair[0]}-{pair[1]}" for pair in v if len(pair) == 2)
            items.append((str(k), str(v)))
    elif isinstance(value, str):
        for part in value.split(";"):
            if not part.strip():
                continue
            day, _, ranges = part.strip().partition(" ")
            items.append((day, ranges))
    else:
        raise HoursError("schrijf de tijden als 'ma 09:30-11:30; di 13:00-15:00'")
    hours: Hours = {}
    for day, ranges in items:
        day = day.strip().lower().rstrip(":")
        if day not in DAYS:
            raise HoursError(f"'{day}' is geen dag; gebruik {', '.join(DAYS)}")
        if day in hours:
            raise HoursError(f"'{day}' staat er twee keer in")
        found = []
        for piece in ranges.split(","):
            match = _RANGE.match(piece)
            if not match:
                raise HoursError(f"'{piece.strip()}' bij {day}: schrijf van-tot, zoals 09:30-11:30")
            found.append(time_range(match.group(1), match.group(2)))
        hours[day] = sorted(found)
    return {d: hours[d] for d in DAYS if d in hours}


def as_line(hours: Mapping[str, list[list[str]]] | None) -> str:
    """The file notation: ``ma 09:30-11:30; vr 09:30-11:30, 13:00-15:00``."""
    if not hours:
        return ""
    return "; ".join(
        f"{d} " + ", ".join(f"{a}-{b}" for a, b in hours[d]) for d in DAYS if hours.get(d)
    )


def short(hours: Mapping[str, list[list[str]]] | None) -> str:
    """Short text for people, days with the same hours together: ``ma, di, vr 09.30-11.30``."""
    if not hours:
        return ""
    groups: list[tuple[list[str], str]] = []
    for day in DAYS:
        if not hours.get(day):
            continue
        text = ", ".join(f"{a.replace(':', '.')}-{b.replace(':', '.')}" for a, b in hours[day])
        for days, same in groups:
            if same == text:
                days.append(day)
                break
        else:
            groups.append(([day], text))
    return "; ".join(f"{', '.join(days)} {text}" for days, text in groups)
