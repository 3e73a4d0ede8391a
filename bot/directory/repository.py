"""Directory data access: reference import, a municipality's file import/export, help search."""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.directory import DATA_DIR, rules
from bot.directory.files import FIELDS, DirectoryFile, parse_directory_file
from bot.directory.resolver import COMMON_ALIASES, Resolver
from bot.directory.tables import HelpService, Municipality, PostcodeArea
from bot.yamlfile import read_yaml

logger = logging.getLogger(__name__)
TIERS = {"municipality": 0, "regional": 1, "national": 2}
# Domain responses (domain/directory_checked.yml) for the chat to show what a HelpOption says:
CHECKED_ON_RESPONSE = "utter_help_checked_on"  # {date}: checked_on_text(option)
WALK_IN_HOURS_UNKNOWN_RESPONSE = "utter_help_how_walk_in_hours_unknown"  # {address}


@dataclass(frozen=True)
class ImportSummary:
    """What an import changed."""

    municipalities: int = 0
    postcodes: int = 0
    services: int = 0
    removed: int = 0


async def is_empty(session: AsyncSession) -> bool:
    """True when no municipality has been imported yet."""
    return not (await session.scalar(select(func.count()).select_from(Municipality)))


async def import_reference(session: AsyncSession, data_dir: Path = DATA_DIR) -> ImportSummary:
    """Import municipalities, mergers, PC4 areas and reference services (idempotent).

    The caller commits; the whole import is one transaction.
    """
    existing = {m.code: m for m in (await session.scalars(select(Municipality))).all()}
    count = 0
    with (data_dir / "municipalities.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["gm_code"]
            muni = existing.get(code) or Municipality(code=code)
            muni.name, muni.province, muni.merged_into = (
                row["gemeentenaam"],
                row["provincienaam"],
                None,
            )
            muni.aliases = sorted(set(muni.aliases or []) | set(COMMON_ALIASES.get(code, ())))
            session.add(muni)
            existing[code] = muni
            count += 1
    await session.flush()
    with (data_dir / "municipality_changes_2021_2024.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if float(row["aandeel"]) < 0.5:
                continue  # a boundary move of a few addresses, not a merger
            code = row["oude_gm_code"]
            muni = existing.get(code) or Municipality(code=code, aliases=[])
            muni.name, muni.province = row["oude_gemeentenaam"], row["oude_provincie"]
            muni.merged_into = row["nieuwe_gm_code"]
            session.add(muni)
            existing[code] = muni
            count += 1
    await session.flush()
    known_pc = {p.pc4: p for p in (await session.scalars(select(PostcodeArea))).all()}
    pcs = 0
    with (data_dir / "pc4_municipality.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pc4 = int(row["pc4"])
            area = known_pc.get(pc4) or PostcodeArea(pc4=pc4)
            area.municipality_code = row["gm_code"]
            area.addresses = int(row["adressen_pc4"])
            area.others = [
                {"code": o.split(":")[0], "addresses": int(o.split(":")[1])}
                for o in row["overige_gemeenten"].split(";")
                if o
            ]
            session.add(area)
            pcs += 1
    await session.flush()
    numbers = read_yaml(data_dir / "municipal_numbers.yml")
    for row in numbers.get("numbers") or []:
        muni = existing[row["municipality"]]
        muni.phone, muni.phone_source = str(row["phone"]), row["source"]
        muni.phone_source_date = str(row["source_date"])
    await session.flush()
    text = (data_dir / "services.yml").read_text(encoding="utf-8")
    parsed = parse_directory_file(text, kind="yaml", known_codes=set(existing))
    services = await _upsert_services(session, parsed.services, owner="reference")
    return ImportSummary(municipalities=count, postcodes=pcs, services=services)


KEPT_ON_REFERENCE_IMPORT = ("verified", "last_checked", "checked_by")


async def _upsert_services(session: AsyncSession, records: Sequence[Any], *, owner: str) -> int:
    for record in records:
        values = dict(record.values)
        service = await session.get(HelpService, values["id"])
        if service is not None and owner == "reference":
            if service.owner not in (None, "reference"):
                continue  # a municipality changed this entry: its version stands
            if service.last_checked and not values.get("last_checked"):
                for key in KEPT_ON_REFERENCE_IMPORT:
                    values.pop(key, None)  # a check made on the dashboard is never undone
        service = service or HelpService(id=values["id"])
        for key, value in values.items():
            setattr(service, key, value)
        if service.owner is None or owner != "reference":
            service.owner = owner
        session.add(service)
    await session.flush()
    return len(records)


async def upsert_services(session: AsyncSession, records: Sequence[Any], *, owner: str) -> int:
    """Create or change validated services as ``owner`` (a municipality code or "reference")."""
    return await _upsert_services(session, records, owner=owner)


async def known_codes(session: AsyncSession) -> set[str]:
    """CBS codes of current municipalities."""
    rows = await session.scalars(
        select(Municipality.code).where(Municipality.merged_into.is_(None))
    )
    return set(rows.all())


async def services_of(session: AsyncSession, municipality: str) -> list[dict[str, Any]]:
    """Every non-national service working in ``municipality``, as plain dicts (for export)."""
    rows = (await session.scalars(select(HelpService).order_by(HelpService.id))).all()
    return [
        {k: getattr(s, k) for k in FIELDS}
        for s in rows
        if s.scope != "national" and municipality in (s.municipalities or [])
    ]


async def apply_file(session: AsyncSession, parsed: DirectoryFile) -> ImportSummary:
    """Apply a validated municipality file: upsert its services, remove its dropped ones.

    Only services that belong to this municipality alone are removed when missing from the file;
    regional services shared with other municipalities are kept. The caller commits.
    """
    municipality = parsed.municipality
    if not municipality:
        raise ValueError("a municipality file needs a municipality (GMxxxx)")
    present = {r.values["id"] for r in parsed.services}
    removable = [
        s.id
        for s in (await session.scalars(select(HelpService))).all()
        if s.scope == "municipality" and s.municipalities == [municipality] and s.id not in present
    ]
    if removable:
        await session.execute(delete(HelpService).where(HelpService.id.in_(removable)))
    count = await _upsert_services(session, parsed.services, owner=municipality)
    return ImportSummary(services=count, removed=len(removable))


async def load_resolver(session: AsyncSession) -> Resolver:
    """Build the resolver from the database (aliases edited by municipalities included)."""
    munis = (await session.scalars(select(Municipality))).all()
    areas = (await session.scalars(select(PostcodeArea))).all()
    return Resolver.build(
        [(m.code, m.name, m.province, m.aliases or [], m.merged_into) for m in munis],
        [(a.pc4, a.municipality_code, [o["code"] for o in a.others or []]) for a in areas],
    )


@dataclass(frozen=True)
class HelpOption:
    """A service to show: whether it may be shown as a fact, where it works, how to reach it.

    ``municipality_phone`` is set when the entry has no next step of its own: it is then shown
    only with the municipality's general number (and flagged for the municipality).
    """

    service: HelpService
    checked: bool  # verified, checked within a year, not expired
    tier: str = "national"  # municipality | regional | national
    walk_in: bool = False
    municipality_phone: str | None = None
    # the date a person checked it ("gecontroleerd op <datum>"); None while not shown as a fact
    checked_on: date | None = None
    # a walk-in place whose hours no source gives: "kijk op de website" instead of hours
    hours_unknown: bool = False


def checked_on_text(option: HelpOption) -> str | None:
    """The check date as residents read it (``05-12-2026``), or None while not a fact."""
    return option.checked_on.strftime("%d-%m-%Y") if option.checked_on else None


@dataclass(frozen=True)
class Place:
    """A municipality as the directory knows it: name and its general number, if sourced."""

    code: str
    name: str
    phone: str | None = None


async def place_of(session: AsyncSession, code: str | None) -> Place | None:
    """The current municipality with this CBS code (a merged one gives its successor)."""
    if not code:
        return None
    muni = await session.get(Municipality, code)
    if muni is not None and muni.merged_into:
        muni = await session.get(Municipality, muni.merged_into)
    if muni is None:
        return None
    return Place(muni.code, muni.name, muni.phone)


def select_help(
    services: Sequence[HelpService],
    municipality: str | None,
    topics: Sequence[str],
    *,
    today: date,
    municipality_phone: str | None = None,
    walk_in_first: bool = False,
) -> list[HelpOption]:
    """The rules of what is offered, in order (pure: the chat, the page and the tests share it).

    Left out: expired entries, entries for professionals, entries of other municipalities, and
    entries without a next step when the municipality has no general number. Order: walk-in
    places first when asked, then local, regional, national; then the resident's first topic,
    checked entries, name.
    """
    wanted = set(topics) or {"debt_help"}
    options = []
    for s in services:
        if rules.is_expired(s, today) or not rules.is_personal_help(s):
            continue
        if not wanted & set(s.categories or []):
            continue
        if s.scope != "national" and (
            not municipality or municipality not in (s.municipalities or [])
        ):
            continue
        via = None
        if not rules.has_next_step(s):
            if s.scope == "national" or not municipality_phone:
                continue  # nothing the resident can do today: flagged on the dashboard
            via = municipality_phone
        options.append(
            HelpOption(
                s,
                rules.is_checked(s, today),
                s.scope if s.scope in TIERS else "national",
                rules.is_walk_in(s),
                via,
                checked_on=rules.checked_on(s, today),
                hours_unknown=rules.is_walk_in(s) and not rules.walk_in_hours_known(s),
            )
        )
    topic_order = {t: i for i, t in enumerate(topics)}

    def rank(o: HelpOption) -> tuple[int, int, int, int, str]:
        s = o.service
        first_topic = min((topic_order.get(c, 99) for c in s.categories or []), default=99)
        walk = 0 if walk_in_first and o.walk_in else 1
        return (walk, TIERS[o.tier], first_topic, 0 if o.checked else 1, s.name)

    return sorted(options, key=rank)


async def find_help(
    session: AsyncSession,
    municipality: str | None,
    topics: Sequence[str],
    *,
    today: date,
    walk_in_first: bool = False,
) -> list[HelpOption]:
    """Help for ``topics`` in ``municipality`` from the database (no cache: edits show at once)."""
    place = await place_of(session, municipality)
    rows = (await session.scalars(select(HelpService))).all()
    return select_help(
        rows,
        place.code if place else None,
        topics,
        today=today,
        municipality_phone=place.phone if place else None,
        walk_in_first=walk_in_first,
    )


async def service_by_id(session: AsyncSession, service_id: str) -> HelpService | None:
    """One help service, or None."""
    return await session.get(HelpService, service_id)


@dataclass(frozen=True)
class EntryStatus:
    """How an entry fares against the rules, for the municipality's freshness view."""

    service: HelpService
    next_step: bool  # a phone, walk-in address with hours, chat or exact page of its own
    via_municipality: bool  # no next step: shown only with the municipality's general number
    hidden: bool  # no next step and no general number, or for professionals: never offered
    stale: bool  # not checked for more than a year (or never)
    checked: bool  # shown as a fact
    overdue: bool = False  # not checked within the municipality's limit (or never)


async def check_limit(session: AsyncSession, municipality: str | None) -> int:
    """Days after which the municipality wants an entry checked again (its setting or 180)."""
    muni = await session.get(Municipality, municipality) if municipality else None
    return (muni.check_limit_days if muni else None) or rules.CHECK_LIMIT_DAYS


async def set_check_limit(session: AsyncSession, municipality: str, days: int) -> None:
    """Store the municipality's limit (the caller validates, audits and commits)."""
    muni = await session.get(Municipality, municipality)
    if muni is None:
        raise ValueError(municipality)
    muni.check_limit_days = days
    session.add(muni)
    await session.flush()


async def entry_statuses(
    session: AsyncSession, municipality: str | None, *, today: date, limit_days: int | None = None
) -> list[EntryStatus]:
    """Every entry working in ``municipality`` (or the national ones for None), with its flags.

    ``overdue`` uses ``limit_days``, or the municipality's own limit when not given.
    """
    place = await place_of(session, municipality)
    limit = limit_days or await check_limit(session, municipality)
    rows = (await session.scalars(select(HelpService).order_by(HelpService.name))).all()
    result = []
    for s in rows:
        mine = s.scope == "national" if municipality is None else municipality in s.municipalities
        if not mine:
            continue
        step = rules.has_next_step(s)
        phone = place.phone if place else None
        via = not step and s.scope != "national" and bool(phone)
        hidden = (not step and not via) or not rules.is_personal_help(s)
        result.append(
            EntryStatus(
                s,
                step,
                via,
                hidden,
                rules.is_stale(s, today),
                rules.is_checked(s, today),
                rules.is_overdue(s, today, limit),
            )
        )
    return result


async def mark_checked(
    session: AsyncSession, service_id: str, *, person: str, today: date
) -> HelpService | None:
    """Mark an entry checked on ``today`` (the date the person checked it) by ``person``.

    The caller audits (who and when) and commits.
    """
    service = await session.get(HelpService, service_id)
    if service is None:
        return None
    service.verified = True
    service.last_checked = today
    service.checked_by = person[:120]
    session.add(service)
    await session.flush()
    return service
