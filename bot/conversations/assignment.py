"""Pure routing functions for handovers: which team, is it open, when is it back.

No database and no clock of their own: callers pass teams and the time, so tests are plain.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.staff import Team

TZ = ZoneInfo("Europe/Amsterdam")
ROLES_FOR_KIND = {"counsellor": {"counsellor", "team_lead"}, "peer": {"peer"}}


def is_open(hours: dict[str, Any], at: datetime) -> bool:
    """True when ``at`` falls in the team's opening hours (Europe/Amsterdam)."""
    local = at.astimezone(TZ)
    hhmm = local.strftime("%H:%M")
    return any(start <= hhmm < end for start, end in hours.get(str(local.weekday()), []))


def next_opening(hours: dict[str, Any], at: datetime) -> datetime | None:
    """The next moment the team opens, within a week."""
    local = at.astimezone(TZ)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        for start, _end in sorted(hours.get(str(day.weekday()), [])):
            hour, minute = (int(x) for x in start.split(":"))
            moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)
            if moment > local:
                return moment
    return None


def pick_team(teams: list[Team], municipality_code: str | None, kind: str | None) -> Team | None:
    """The municipality's own team for this kind, else a pool for the kind, else any team."""

    def serves(team: Team) -> bool:
        return kind is None or kind in (team.kinds or [])

    local = [
        t for t in teams if municipality_code and municipality_code in (t.municipality_codes or [])
    ]
    pools = [t for t in teams if not t.municipality_codes]
    for group in ([t for t in local if serves(t)], [t for t in pools if serves(t)], local, pools):
        if group:
            return sorted(group, key=lambda t: t.id)[0]
    return None
