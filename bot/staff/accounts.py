"""Teams and staff accounts for operators: create, list, reset a password or the second factor,
disable. The `geldhulp staff` command (`bot.staff.accounts_cli`) is the screen for these.

Every change and every refusal is written to the audit log (`bot.staff.audit.record`) in the
caller's transaction; the caller commits in both cases, so a refusal is on record too. The audit
entries name accounts and teams by id only ("staff:12", "team:3"), never by e-mail address.

A new account gets a one-time password (shown once, stored only as a scrypt hash) and no second
factor: outside development the first login goes to setting it up (`bot.staff.mfa.required`).

There is no "disabled" column: a disabled account gets an unusable password hash
(`DISABLED_PREFIX` plus a random salt and a digest no password produces), so `verify_password`
still does the full scrypt work and the login answers "invalid" as for a wrong password; its
sessions are ended. A password reset is the way back in (and audited as such).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff.audit import record as audit
from bot.staff.auth import ROLES, end_sessions
from bot.staff.passwords import hash_password
from bot.staff.tables import StaffUser, Team

KINDS = ("counsellor", "peer")
# roles that see a team's conversations or a municipality's figures: without a team they would
# see nothing (or, for the dashboard, the wrong thing), so they need one; admins may have none
TEAM_ROLES = ("counsellor", "peer", "team_lead", "analyst")
DISABLED_PREFIX = "disabled$"
PASSWORD_BYTES = 18  # 24 characters of token_urlsafe: 144 bits
MAX_CHATS_LIMIT = 20
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_MUNICIPALITY = re.compile(r"^GM\d{4}$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class AccountError(ValueError):
    """An operator's request was refused; the message says why, for the operator."""


class HoursError(AccountError):
    """An opening-hours spec could not be read; the message says what is wrong."""


@dataclass(frozen=True)
class Account:
    """A staff account as an operator may see it: no password hash, no second-factor secrets."""

    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    max_chats: int
    mfa_set_up: bool
    disabled: bool
    demo: bool


# --- opening hours --------------------------------------------------------------------------


def _days(token: str) -> list[int]:
    """'mon' -> [0], 'mon-fri' -> [0..4], 'mon,wed' -> [0, 2], 'daily' -> [0..6]."""
    if token in {"daily", "everyday"}:
        return list(range(7))
    days: list[int] = []
    for part in token.split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise HoursError(f"unknown day {part!r}: use mon, tue, wed, thu, fri, sat, sun")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        if end < start:
            raise HoursError(f"day range {part!r} runs backwards: write it from Monday on")
        days.extend(range(start, end + 1))
    return days


def _time(raw: str, *, end: bool) -> str:
    match = _TIME.match(raw)
    if not match:
        raise HoursError(f"time {raw!r} is not HH:MM")
    hour, minute = int(match.group(1)), int(match.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end)):
        raise HoursError(f"time {raw!r} does not exist (00:00 to 24:00; 24:00 only as an end)")
    return f"{hour:02d}:{minute:02d}"


def _range(raw: str) -> list[str]:
    start_raw, sep, end_raw = raw.partition("-")
    if not sep:
        raise HoursError(f"{raw!r} is not a time range like 09:00-17:00")
    start, end = _time(start_raw, end=False), _time(end_raw, end=True)
    if start >= end:
        raise HoursError(
            f"{raw!r} does not end after it starts; past midnight, split it:"
            " mon 22:00-24:00; tue 00:00-02:00"
        )
    return [start, end]


def parse_hours(spec: str) -> dict[str, list[list[str]]]:
    """Read "mon-fri 09:00-17:00; sat 10:00-12:00" into `Team.opening_hours` form.

    Parts are separated by ";"; each is days (mon, mon-fri, mon,wed, daily) and one or more time
    ranges (HH:MM-HH:MM, 24:00 as the end of the day). Europe/Amsterdam time, 0 = Monday.

    Raises:
        HoursError: an empty spec, an unknown day, a time that does not exist, a range that
            ends before it starts, or ranges that overlap on one day.
    """
    hours: dict[int, list[list[str]]] = {}
    parts = [p.strip().lower() for p in spec.split(";") if p.strip()]
    if not parts:
        raise HoursError('no opening hours given: e.g. "mon-fri 09:00-17:00"')
    for part in parts:
        tokens = part.replace(", ", ",").split()
        if len(tokens) < 2:
            raise HoursError(f"{part!r} needs days and a time range, e.g. mon-fri 09:00-17:00")
        ranges = [_range(t) for t in tokens[1:]]
        for day in _days(tokens[0]):
            hours.setdefault(day, []).extend(ranges)
    for day, ranges in hours.items():
        ranges.sort()
        for (_s, earlier_end), (later_start, _e) in zip(ranges, ranges[1:], strict=False):
            if later_start < earlier_end:
                raise HoursError(f"opening hours overlap on {_DAYS[day]}")
    return {str(day): hours[day] for day in sorted(hours)}


def format_hours(hours: dict[str, list[list[str]]]) -> str:
    """Opening hours as a spec `parse_hours` reads back ("mon-fri 09:00-17:00; sat 10:00-12:00"),
    with runs of days that have the same hours joined; "closed" when there are none."""
    by_day = [tuple(tuple(r) for r in hours.get(str(day), [])) for day in range(7)]
    parts: list[str] = []
    day = 0
    while day < 7:
        last = day
        while last + 1 < 7 and by_day[last + 1] == by_day[day]:
            last += 1
        if by_day[day]:
            days = _DAYS[day] if last == day else f"{_DAYS[day]}-{_DAYS[last]}"
            parts.append(days + " " + " ".join(f"{start}-{end}" for start, end in by_day[day]))
        day = last + 1
    return "; ".join(parts) or "closed"


# --- checks ---------------------------------------------------------------------------------


def normalise_email(raw: str) -> str:
    """The address as stored and as the login looks it up (trimmed, lower case).

    Raises:
        AccountError: it does not look like an e-mail address.
    """
    email = raw.strip().lower()
    if len(email) > 200 or not _EMAIL.match(email):
        raise AccountError("that is not an e-mail address")
    return email


def municipality_codes(raw: str) -> list[str]:
    """ "GM0014, gm0363" -> ["GM0014", "GM0363"]; "" -> [] (a national or regional pool).

    Raises:
        AccountError: a code that is not GM plus four digits (CBS).
    """
    codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
    bad = [c for c in codes if not _MUNICIPALITY.match(c)]
    if bad:
        raise AccountError(f"not a CBS municipality code (GM plus 4 digits): {', '.join(bad)}")
    return list(dict.fromkeys(codes))


def team_kinds(raw: str) -> list[str]:
    """ "counsellor,peer" -> ["counsellor", "peer"].

    Raises:
        AccountError: none given, or one that is not a kind of chat person.
    """
    kinds = list(dict.fromkeys(k.strip().lower() for k in raw.split(",") if k.strip()))
    if not kinds or any(k not in KINDS for k in kinds):
        raise AccountError(f"kinds must be one or more of: {', '.join(KINDS)}")
    return kinds


def new_password() -> str:
    """A strong one-time password (random, URL-safe, 24 characters)."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def disabled_hash() -> str:
    """A password hash no password matches, checked with the full scrypt work like any other."""
    return f"{DISABLED_PREFIX}{secrets.token_hex(16)}${'0' * 64}"


def is_disabled(user: StaffUser) -> bool:
    """The account was disabled (`disable`): it cannot log in, and its open chats go back to the
    team's queue."""
    return user.password_hash.startswith(DISABLED_PREFIX)


def _account(user: StaffUser) -> Account:
    return Account(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        team_id=user.team_id,
        max_chats=user.max_chats,
        mfa_set_up=user.totp_enrolled_at is not None,
        disabled=is_disabled(user),
        demo=bool(user.demo),
    )


def _refuse(
    session: AsyncSession, action: str, origin: str, message: str, ref: str | None = None
) -> AccountError:
    """Audit a refusal and return the error to raise."""
    audit(session, actor_id=None, action=action, object_ref=ref, result="refused", origin=origin)
    return AccountError(message)


# --- teams ----------------------------------------------------------------------------------


async def add_team(
    session: AsyncSession,
    *,
    name: str,
    municipalities: str,
    kinds: str,
    hours: str,
    origin: str,
) -> Team:
    """Create a team from the operator's specs (the caller commits; a refusal is audited too).

    ``municipalities`` is "GM0014,GM0363" ("" for a national or regional pool), ``kinds``
    "counsellor,peer", ``hours`` a spec for `parse_hours`.

    Raises:
        AccountError: no name, a name in use, a bad municipality code, kind or opening hours.
    """
    action = "team.add"
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise _refuse(session, action, origin, "a team needs a name (at most 120 characters)")
    try:
        team = Team(
            name=name,
            municipality_codes=municipality_codes(municipalities),
            kinds=team_kinds(kinds),
            opening_hours=parse_hours(hours),
            demo=False,
        )
    except AccountError as exc:  # HoursError too
        raise _refuse(session, action, origin, str(exc)) from None
    if await session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise _refuse(session, action, origin, f"a team named {name!r} exists already")
    session.add(team)
    await session.flush()
    audit(session, actor_id=None, action=action, object_ref=f"team:{team.id}", origin=origin)
    return team


async def list_teams(session: AsyncSession) -> Sequence[Team]:
    """Every team, by id."""
    return (await session.scalars(select(Team).order_by(Team.id))).all()


# --- accounts -------------------------------------------------------------------------------


async def add_user(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: str,
    team_id: int | None,
    max_chats: int,
    origin: str,
) -> tuple[Account, str]:
    """Create an account with a one-time password; return it and the password (show it once).

    Raises:
        AccountError: a bad e-mail address or name, an unknown role, an e-mail address in use,
            a team that does not exist, a role that needs a team without one, a counsellor or
            peer in a team that does not take that kind, or a chat limit out of range.
    """
    action = "staff.add"
    try:
        email = normalise_email(email)
    except AccountError as exc:
        raise _refuse(session, action, origin, str(exc)) from None
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise _refuse(session, action, origin, "a person needs a name (at most 120 characters)")
    if role not in ROLES:
        raise _refuse(session, action, origin, f"role must be one of: {', '.join(ROLES)}")
    if not 1 <= max_chats <= MAX_CHATS_LIMIT:
        raise _refuse(session, action, origin, f"max chats must be 1 to {MAX_CHATS_LIMIT}")
    existing = await session.scalar(select(StaffUser.id).where(StaffUser.email == email))
    if existing is not None:
        raise _refuse(
            session,
            action,
            origin,
            "an account with that e-mail address exists already",
            f"staff:{existing}",
        )
    team = await session.get(Team, team_id) if team_id is not None else None
    if team_id is not None and team is None:
        raise _refuse(session, action, origin, f"there is no team {team_id} (see: staff team list)")
    if team is None and role in TEAM_ROLES:
        raise _refuse(session, action, origin, f"the role {role} needs a team: give --team")
    if team is not None and role in KINDS and role not in (team.kinds or []):
        raise _refuse(
            session,
            action,
            origin,
            f"team {team.id} takes no {role}s (its kinds: {', '.join(team.kinds)})",
            f"team:{team.id}",
        )
    password = new_password()
    user = StaffUser(
        email=email,
        name=name,
        role=role,
        team_id=team_id,
        password_hash=hash_password(password),
        failed_logins=0,
        presence="offline",
        max_chats=max_chats,
        demo=False,
        recovery_codes=[],
    )
    session.add(user)
    await session.flush()
    audit(session, actor_id=None, action=action, object_ref=f"staff:{user.id}", origin=origin)
    return _account(user), password


async def list_users(session: AsyncSession) -> list[Account]:
    """Every account, by id (without secrets)."""
    return [_account(u) for u in (await session.scalars(select(StaffUser).order_by(StaffUser.id)))]


async def _find(session: AsyncSession, email: str, action: str, origin: str) -> StaffUser:
    try:
        address = normalise_email(email)
    except AccountError as exc:
        raise _refuse(session, action, origin, str(exc)) from None
    user = await session.scalar(select(StaffUser).where(StaffUser.email == address))
    if user is None:
        raise _refuse(session, action, origin, "there is no account with that e-mail address")
    return user


async def reset_password(session: AsyncSession, *, email: str, origin: str) -> str:
    """Give the account a new one-time password (also re-enables a disabled one), end its
    sessions and return the password (show it once). The second factor stays as it was.

    Raises:
        AccountError: no such account.
    """
    user = await _find(session, email, "staff.password_reset", origin)
    password = new_password()
    user.password_hash = hash_password(password)
    await end_sessions(session, user.id)
    audit(
        session,
        actor_id=None,
        action="staff.password_reset",
        object_ref=f"staff:{user.id}",
        origin=origin,
    )
    return password


async def reset_mfa(session: AsyncSession, *, email: str, origin: str) -> None:
    """Clear the second factor and the recovery codes and end the sessions: the next login sets
    it up again (as an admin's reset in the console does).

    Raises:
        AccountError: no such account.
    """
    user = await _find(session, email, "mfa.reset", origin)
    user.totp_secret = user.totp_enrolled_at = user.totp_last_step = None
    user.recovery_codes = []
    await end_sessions(session, user.id)
    audit(session, actor_id=None, action="mfa.reset", object_ref=f"staff:{user.id}", origin=origin)


async def disable(session: AsyncSession, *, email: str, origin: str) -> None:
    """The account can no longer log in (unusable password hash) and is logged out everywhere;
    it is set to offline, so no new chats go to it, and its open chats go back to the team's
    queue at the next round of `bot.conversations.timeouts` (the resident is told).

    Raises:
        AccountError: no such account.
    """
    user = await _find(session, email, "staff.disable", origin)
    user.password_hash = disabled_hash()
    user.presence = "offline"
    await end_sessions(session, user.id)
    audit(
        session, actor_id=None, action="staff.disable", object_ref=f"staff:{user.id}", origin=origin
    )
