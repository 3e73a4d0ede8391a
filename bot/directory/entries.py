"""One local-help entry edited through the dashboard's form: read the form, check it, store it.

The same rules as a directory file (`bot.directory.files.validate_service`: required fields,
topics, lengths, short sentences, a walk-in needs its address), plus what a form can check
better: a Dutch phone number (`phonenumbers`), web addresses with a real host name, opening hours
per weekday (from-until, the end after the start), and the date a person checked the entry
(not in the future). Every problem is tied to the form field it belongs to.

A municipality edits its own entries and its regional ones (never the list of municipalities of
a regional entry, never a national entry). When the facts of a checked entry change and nobody
checks it again in the same save, the check is cleared: a changed phone number is not checked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import hours
from bot.directory.files import ServiceRecord, validate_service
from bot.directory.tables import HelpService
from bot.topics import TOPIC_INTENTS

# the kinds of problem an entry can help with (the topic intents a resident can name)
KINDS = tuple(t for t in TOPIC_INTENTS if t not in ("privacy_trust", "ask_human"))
# what a resident relies on: changing one of these clears an earlier check
FACTS = (
    "name",
    "phone",
    "website",
    "chat",
    "address",
    "walk_in_place",
    "opening_hours",
    "free",
    "anonymous",
    "expires",
)
OLDEST_CHECK = timedelta(days=3660)
YES_NO = {"ja": True, "nee": False, "": None}


@dataclass
class FormResult:
    """The clean values to store, or the problems per form field (Dutch)."""

    values: dict[str, Any] | None
    problems: dict[str, list[str]] = field(default_factory=dict)
    checked: bool = False  # the person ticked "I checked this" with a date
    check_cleared: bool = False  # facts changed without a new check: the old check is gone

    def add(self, name: str, message: str) -> None:
        """One problem for form field ``name``."""
        self.problems.setdefault(name, []).append(message)


def new_id(name: str, municipality: str, taken: set[str]) -> str:
    """A stable id from the name and the municipality: ``inloop-geldzaken-gm0014``."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    stem = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "hulp"
    base = f"{stem}-{municipality.lower()}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value:
        return "verwacht een webadres dat begint met https://, zoals https://www.gemeente.nl/hulp"
    return None


def _hours_from_form(form: Mapping[str, str], result: FormResult) -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = {}
    for day in hours.DAYS:
        start = form.get(f"hours_{day}_from", "").strip()
        until = form.get(f"hours_{day}_until", "").strip()
        if not start and not until:
            continue
        if not start or not until:
            result.add(f"hours_{day}", "vul een begintijd en een eindtijd in, of laat beide leeg")
            continue
        try:
            found[day] = [hours.time_range(start, until)]
        except hours.HoursError as exc:
            result.add(f"hours_{day}", str(exc))
    return found


_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(text: str) -> date:
    """A date as people type it here: ``5-12-2026``, ``05/12/2026`` or ``2026-12-05``."""
    text = text.strip()
    match = _DUTCH_DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return date.fromisoformat(text)


def _check_date(form: Mapping[str, str], today: date, result: FormResult) -> date | None:
    if form.get("checked") != "ja":
        return None
    try:
        when = parse_date(form.get("checked_on", ""))
    except ValueError:
        result.add("checked_on", "vul de datum van de controle in, zoals 5-12-2026")
        return None
    if when > today:
        result.add("checked_on", "de datum van de controle ligt in de toekomst")
        return None
    if today - when > OLDEST_CHECK:
        result.add("checked_on", "de datum van de controle is meer dan tien jaar geleden")
        return None
    return when


def read_form(
    form: Mapping[str, str],
    categories: list[str],
    *,
    municipality: str,
    existing: HelpService | None,
    new_service_id: str | None,
    known_codes: set[str] | None,
    person: str,
    today: date,
) -> FormResult:
    """Check the form of one entry; ``existing`` is the entry being changed (None: a new one)."""
    result = FormResult(None)
    raw: dict[str, Any] = {
        "id": existing.id if existing else new_service_id,
        "scope": existing.scope if existing else "municipality",
        "municipalities": list(existing.municipalities) if existing else [municipality],
        "purpose": existing.purpose if existing else "personal",
        "example": bool(existing.example) if existing else False,
    }
    for name in ("name", "description", "audience", "phone", "website", "chat", "address"):
        raw[name] = form.get(name, "").strip()
    for name in ("source", "source_date"):
        raw[name] = form.get(name, "").strip()
    raw["expires"] = None
    if form.get("expires", "").strip():
        try:
            raw["expires"] = parse_date(form["expires"]).isoformat()
        except ValueError:
            result.add("expires", "schrijf een datum zoals 31-12-2027")
    raw["categories"] = [c for c in categories if c]
    for name in ("free", "anonymous", "walk_in_place"):
        choice = form.get(name, "").strip()
        if choice not in YES_NO:
            result.add(name, "kies ja of nee")
        raw[name] = YES_NO.get(choice)
    for name in ("website", "chat", "source"):
        if raw[name] and (name != "chat" or raw[name].startswith(("http", "www"))):
            wrong = _url_problem(raw[name])
            if wrong:
                result.add(name, wrong)
    for topic in raw["categories"]:
        if topic not in KINDS:
            result.add("categories", f"onbekend soort hulp '{topic}'")
    opening = _hours_from_form(form, result)
    raw["opening_hours"] = opening or None
    if existing and existing.walk_in and not opening and raw["walk_in_place"]:
        raw["walk_in"] = existing.walk_in  # hours known only as text (older entries) stay
    checked_on = _check_date(form, today, result)
    if checked_on:
        raw.update(verified=True, last_checked=checked_on.isoformat(), checked_by=person[:120])
        result.checked = True
    elif existing:
        raw.update(
            verified=existing.verified,
            last_checked=existing.last_checked.isoformat() if existing.last_checked else None,
            checked_by=existing.checked_by,
        )
    record, problems = validate_service(raw, 0, known_codes=known_codes, municipality=municipality)
    for problem in problems:
        target = {"id": "name", "scope": "name", "municipalities": "name"}.get(
            problem.field, problem.field
        )
        result.add(target, problem.message)
    if result.problems or record is None:
        result.problems = dict(sorted(result.problems.items(), key=lambda kv: _form_order(kv[0])))
        return result
    values = record.values
    if existing and not result.checked and existing.verified:
        before = {k: getattr(existing, k) for k in FACTS}
        if any(_differs(before[k], values.get(k)) for k in FACTS):
            values.update(verified=False, last_checked=None, checked_by=None)
            result.check_cleared = True
    result.values = values
    return result


FORM_ORDER = (
    "name",
    "description",
    "audience",
    "categories",
    "phone",
    "website",
    "chat",
    "walk_in_place",
    "address",
    *(f"hours_{day}" for day in hours.DAYS),
    "opening_hours",
    "walk_in",
    "free",
    "anonymous",
    "source",
    "source_date",
    "expires",
    "checked_on",
    "last_checked",
)


def _form_order(name: str) -> int:
    """Where a field is on the form (problems are listed in that order)."""
    return FORM_ORDER.index(name) if name in FORM_ORDER else len(FORM_ORDER)


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, date) and isinstance(new, date):
        return old != new
    empty: tuple[Any, ...] = (None, "", [], {})
    if old in empty and new in empty:
        return False
    return bool(old != new)


def as_form(service: HelpService | None, today: date) -> dict[str, str]:
    """The form's fields for an entry (empty for a new one; today as the check date)."""
    if service is None:
        return {"checked_on": today.strftime("%d-%m-%Y"), "walk_in_place": "nee"}
    values: dict[str, str] = {}
    for name in ("name", "description", "audience", "phone", "website", "chat", "address"):
        values[name] = getattr(service, name) or ""
    for name in ("source", "source_date"):
        values[name] = getattr(service, name) or ""
    values["expires"] = service.expires.strftime("%d-%m-%Y") if service.expires else ""
    for name in ("free", "anonymous"):
        flag = getattr(service, name)
        values[name] = "" if flag is None else ("ja" if flag else "nee")
    walk_in = service.walk_in_place if service.walk_in_place is not None else bool(service.walk_in)
    values["walk_in_place"] = "ja" if walk_in else "nee"
    for day, ranges in (service.opening_hours or {}).items():
        if ranges:
            values[f"hours_{day}_from"], values[f"hours_{day}_until"] = ranges[0]
    values["checked_on"] = today.strftime("%d-%m-%Y")
    return values


async def save(session: AsyncSession, values: dict[str, Any], *, owner: str) -> HelpService:
    """Create or change the entry (the caller audits and commits)."""
    from bot.directory.repository import upsert_services

    await upsert_services(session, [ServiceRecord(values)], owner=owner)
    service = await session.get(HelpService, values["id"])
    assert service is not None
    return service


async def taken_ids(session: AsyncSession) -> set[str]:
    """Every id in use."""
    return set((await session.scalars(select(HelpService.id))).all())


def may_edit(service: HelpService, municipality: str) -> bool:
    """A municipality edits its own and its regional entries, never a national one."""
    return service.scope != "national" and municipality in (service.municipalities or [])


def may_remove(service: HelpService, municipality: str) -> bool:
    """Only an entry of this municipality alone can be removed by it."""
    return service.scope == "municipality" and service.municipalities == [municipality]


async def remove(session: AsyncSession, service_id: str) -> None:
    """Remove one entry (the caller checks `may_remove`, audits and commits)."""
    await session.execute(delete(HelpService).where(HelpService.id == service_id))
