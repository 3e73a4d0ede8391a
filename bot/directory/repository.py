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

from bot.directory import DATA_DIR
from bot.directory.files import FIELDS, DirectoryFile, parse_directory_file
from bot.directory.resolver import COMMON_ALIASES, Resolver
from bot.directory.tables import HelpService, Municipality, PostcodeArea

logger = logging.getLogger(__name__)
TIERS = {"municipality": 0, "regional": 1, "national": 2}


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
    text = (data_dir / "services.yml").read_text(encoding="utf-8")
    parsed = parse_directory_file(text, kind="yaml", known_codes=set(existing))
    services = await _upsert_services(session, parsed.services, owner="reference")
    return ImportSummary(municipalities=count, postcodes=pcs, services=services)


async def _upsert_services(session: AsyncSession, records: Sequence[Any], *, owner: str) -> int:
    for record in records:
        values = dict(record.values)
        service = await session.get(HelpService, values["id"]) or HelpService(id=values["id"])
        for key, value in values.items():
            setattr(service, key, value)
        if service.owner is None or owner != "reference":
            service.owner = owner
        session.add(service)
    await session.flush()
    return len(records)


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
    """A service to show, and whether it may be shown as a fact."""

    service: HelpService
    checked: bool  # verified and not expired


async def find_help(
    session: AsyncSession, municipality: str | None, topics: Sequence[str], *, today: date
) -> list[HelpOption]:
    """Help for ``topics`` in ``municipality``: local first, then regional, then national.

    Expired entries are left out. Unverified entries are returned with ``checked=False`` so the
    caller says "check before you go".
    """
    wanted = set(topics) or {"debt_help"}
    rows = (await session.scalars(select(HelpService))).all()
    options = []
    for s in rows:
        if s.expires and s.expires < today:
            continue
        if not wanted & set(s.categories or []):
            continue
        if s.scope != "national" and (
            not municipality or municipality not in (s.municipalities or [])
        ):
            continue
        options.append(s)
    topic_order = {t: i for i, t in enumerate(topics)}

    def rank(s: HelpService) -> tuple[int, int, int, str]:
        first_topic = min((topic_order.get(c, 99) for c in s.categories or []), default=99)
        return (TIERS.get(s.scope, 3), first_topic, 0 if s.verified else 1, s.name)

    return [HelpOption(s, bool(s.verified)) for s in sorted(options, key=rank)]
