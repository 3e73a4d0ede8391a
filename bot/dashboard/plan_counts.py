"""Plans per municipality on the dashboard: made, steps done, steps overdue (issue 20).

Counts of the plan's analytics events in the user's scope and window (`bot.analytics`,
recorded when it happens; an overdue step is counted once, the day after its date). Never what
a plan says: the events carry a name, a municipality and a channel. Small counts are "<5"
(`bot.dashboard.suppression`); no totals next to them. A municipality is shown by its name, as
in the dashboard's municipality picker (the directory's name, "Den Haag" for 's-Gravenhage).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName
from bot.dashboard.names import labels
from bot.dashboard.queries import Scope, load_events
from bot.dashboard.suppression import cell
from bot.directory.places import display_name
from bot.directory.tables import Municipality

EVENTS = (EventName.PLAN_CREATED, EventName.PLAN_STEP_DONE, EventName.PLAN_STEP_OVERDUE)


@dataclass(frozen=True)
class PlanRow:
    """One municipality's shown counts (suppressed)."""

    code: str
    name: str
    made: int | str
    done: int | str
    overdue: int | str


def label(key: str) -> str:
    """A label of the plan section (``plan.<key>`` in bot/labels.nl.yml)."""
    return labels().label(f"plan.{key}")


async def plan_rows(session: AsyncSession, scope: Scope) -> list[PlanRow]:
    """Plans made, steps done and steps overdue per municipality, in the window."""
    # an event without a code counts for the municipality its conversation got later
    events = await load_events(session, scope)
    refs = {e.conversation_ref: e.municipality_code for e in events if e.municipality_code}
    counts: dict[str, dict[str, int]] = {}
    for event in events:
        if event.name not in {str(e) for e in EVENTS}:
            continue
        code = event.municipality_code or refs.get(event.conversation_ref)
        if code is None or (scope.codes is not None and code not in scope.codes):
            continue
        found = counts.setdefault(str(code), {})
        found[event.name] = found.get(event.name, 0) + 1
    shown = await municipality_names(session, set(counts))
    rows = [
        PlanRow(
            code,
            shown.get(code, code),
            cell(found.get(EventName.PLAN_CREATED, 0)),
            cell(found.get(EventName.PLAN_STEP_DONE, 0)),
            cell(found.get(EventName.PLAN_STEP_OVERDUE, 0)),
        )
        for code, found in counts.items()
    ]
    return sorted(rows, key=lambda row: row.name)


async def municipality_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """The names to show for these codes (a code the directory does not know: left out)."""
    if not codes:
        return {}
    found = await session.scalars(select(Municipality).where(Municipality.code.in_(codes)))
    return {m.code: display_name(m.code, m.name) for m in found.all()}
