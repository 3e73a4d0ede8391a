"""Demo local help (`geldhulp demo seed`, development only): walk-in places and checked entries.

Walk-in places are real: each fact (address, days, hours, phone) is in the quote of its public
source below, found with the project's search tool and read on ``READ_ON``; nothing is filled in
from memory, and a place whose source gives no hours keeps its hours empty (the page then says
"tijden staan op de website"). What is *not* real are the checks: "gecontroleerd op" dates set
here by the demo analyst were never made with the organisations, so every entry this seeder
touches is marked ``demo=True`` and shows "demo-gegevens" on the dashboard and the public page.
``tests/dashboard/test_demo_local_help.py`` checks every fact against its quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.directory import hours
from bot.directory.files import ServiceRecord, validate_service
from bot.directory.repository import import_reference, is_empty, upsert_services
from bot.directory.tables import HelpService

READ_ON = "2026-12-05"  # the day the sources below were read
DEMO_CHECKER = "Mila (demo)"  # the demo analyst of Groningen (bot/demo/team.py)


@dataclass(frozen=True)
class WalkIn:
    """A walk-in place from a public source, with the quote every fact comes from."""

    values: dict[str, Any]
    quote: str
    facts: tuple[str, ...] = ()  # the phrases of the quote that give the address, hours, phone


NEW_PLACES = (
    WalkIn(
        values={
            "id": "almelo_sociaal_inloop",
            "name": "Inloopspreekuur Almelo Sociaal",
            "description": (
                "Vrijwilligers helpen je met vragen over geld, zorg en wonen. "
                "Je kunt zonder afspraak langskomen."
            ),
            "categories": ["debt_help", "income_support", "budgeting_admin", "benefits_toeslagen"],
            "audience": "Inwoners van Almelo",
            "scope": "municipality",
            "municipalities": ["GM0141"],
            "phone": "0546-456909",
            "website": "https://almelosociaal.nl/hulp-bij-geldvragen/geldtekort/infowijzer-geld-2022/",
            "address": "Boddenstraat 3, 7607 BL Almelo",
            "walk_in_place": True,
            "opening_hours": {
                "ma": [["09:30", "11:30"]],
                "di": [["09:30", "11:30"]],
                "vr": [["09:30", "11:30"]],
            },
            "example": True,
            "source": "https://almelosociaal.nl/hulp-bij-geldvragen/geldtekort/infowijzer-geld-2022/",
            "source_date": "2022",
        },
        quote=(
            "Team Cliëntondersteuning helpt u bij alle vragen over geld, zorg en wonen. [...] "
            "U mag langskomen op ons inloopspreekuur of ons bellen voor een afspraak of advies. "
            "Op maandag-, dinsdag- en vrijdagochtend tussen 9:30 en 11:30 uur zitten onze "
            "deskundige vrijwilligers klaar om uw vragen direct te beantwoorden. [...] "
            "Almelo Sociaal Telefoon: 0546 – 45 69 09 Boddenstraat 3 7607 BL Almelo"
        ),
        facts=(
            "Boddenstraat 3",
            "7607 BL Almelo",
            "maandag-, dinsdag- en vrijdagochtend",
            "9:30 en 11:30",
            "0546 – 45 69 09",
            "inloopspreekuur",
        ),
    ),
)

# Reference entries (bot/directory/data/services.yml, facts quoted in its sources) whose hours
# the demo writes per weekday: the same hours as their text, nothing added.
STRUCTURED_HOURS = {
    "delft_loket_geldzaken": (
        {"wo": [["14:00", "16:00"]]},
        "elke woensdag van 14.00 tot 16.00 uur",
    ),
    "hoogezand_leger_des_heils_inloop": (
        {"vr": [["10:00", "11:30"]]},
        "elke vrijdagochtend van 10.00 tot 11.30 uur",
    ),
}

# Demo checks (not real ones): entry -> days ago. One is older than the default 180-day limit,
# so the dashboard has something to flag.
DEMO_CHECKS = {
    "groningen_eerste_hulp_geldzaken": 30,
    "groningen_schuldhulpmaatje": 200,
    "delft_loket_geldzaken": 12,
    "hoogezand_leger_des_heils_inloop": 45,
    "almelo_sociaal_inloop": 7,
}


@dataclass
class Summary:
    """What the seeder did."""

    added: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)


def new_place_record(place: WalkIn) -> ServiceRecord:
    """The place as a validated directory record (the directory file's rules)."""
    raw = {**place.values, "opening_hours": hours.as_line(place.values.get("opening_hours"))}
    record, problems = validate_service(raw, 0, known_codes=None, municipality=None)
    if record is None:
        raise ValueError(f"demo place {place.values['id']}: {problems}")
    return record


async def _apply(session: AsyncSession, today: date) -> Summary:
    summary = Summary()
    for place in NEW_PLACES:
        await upsert_services(session, [new_place_record(place)], owner="reference")
        summary.added.append(place.values["id"])
    for service_id, (opening, _text) in STRUCTURED_HOURS.items():
        service = await session.get(HelpService, service_id)
        if service is not None and not service.opening_hours:
            service.opening_hours = opening
            service.walk_in_place = True
            service.walk_in = hours.short(opening)
            service.demo = True
    for service_id, days_ago in DEMO_CHECKS.items():
        service = await session.get(HelpService, service_id)
        if service is None:
            continue
        service.verified = True
        service.last_checked = today - timedelta(days=days_ago)
        service.checked_by = DEMO_CHECKER
        service.demo = True
        summary.checked.append(service_id)
    for place in NEW_PLACES:
        service = await session.get(HelpService, place.values["id"])
        if service is not None:
            service.demo = True
    await session.flush()
    return summary


async def seed(factory: async_sessionmaker, *, if_empty: bool) -> str:  # type: ignore[type-arg]
    """Add the demo walk-in places and demo checks (once, when ``if_empty`` and none is there)."""
    async with factory() as session:
        if await is_empty(session):
            await import_reference(session)
        demo_rows = await session.scalar(select(HelpService.id).where(HelpService.demo.is_(True)))
        if if_empty and demo_rows is not None:
            return "demo local help exists; nothing seeded"
        summary = await _apply(session, date.today())
        await session.commit()
    return (
        f"demo local help: {len(summary.added)} walk-in place(s) from public sources, "
        f"{len(summary.checked)} demo checks (demo=True)"
    )
