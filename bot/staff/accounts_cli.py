"""`geldhulp staff`: operators create teams and staff accounts, reset a password or a second
factor, and disable an account (see docs/operations.md).

Usage::

    geldhulp staff team add --name "Schuldhulp Zwolle" --municipalities GM0193 \\
        --kinds counsellor,peer --hours "mon-fri 09:00-17:00"
    geldhulp staff team list
    geldhulp staff user add --email kim@zwolle.nl --name Kim --role counsellor --team 1
    geldhulp staff user list
    geldhulp staff user reset-password --email kim@zwolle.nl
    geldhulp staff user reset-mfa --email kim@zwolle.nl
    geldhulp staff user disable --email kim@zwolle.nl

Every change and every refusal goes to the audit log with the origin "cli:<os user>". One-time
passwords are printed once, to stdout (the operator asked for them); nothing personal is logged.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import load_settings
from bot.staff import accounts
from bot.staff.audit import record as audit
from bot.staff.auth import ROLES
from bot.staff.team_rules import all_rules, set_rules
from bot.storage.db import open_database

HOURS_HELP = 'e.g. "mon-fri 09:00-17:00; sat 10:00-12:00" (Europe/Amsterdam; 24:00 = midnight)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `staff team add|list` and `staff user add|list|reset-password|reset-mfa|disable`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=None, help="database URL (default: the settings)")
    things = parser.add_subparsers(dest="thing", required=True)

    team = things.add_parser("team", help="teams of a municipality, or a national pool")
    team_sub = team.add_subparsers(dest="action", required=True)
    add = team_sub.add_parser("add", parents=[common], help="create a team")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--municipalities",
        default="",
        help="CBS codes, comma-separated (GM0014,GM0363); empty: a national or regional pool",
    )
    add.add_argument("--kinds", default="counsellor", help="counsellor, peer or counsellor,peer")
    add.add_argument("--hours", required=True, help=HOURS_HELP)
    add.add_argument(
        "--crisis-pool",
        action="store_true",
        help="the 24/7 crisis pool: crisis chats wait here out of other teams' hours",
    )
    team_sub.add_parser("list", parents=[common], help="show the teams")

    user = things.add_parser("user", help="staff accounts")
    user_sub = user.add_subparsers(dest="action", required=True)
    add = user_sub.add_parser("add", parents=[common], help="create an account (prints a password)")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--team", type=int, default=None, help="team id (see: staff team list)")
    add.add_argument("--max-chats", type=int, default=3, help="chats at the same time (default 3)")
    user_sub.add_parser("list", parents=[common], help="show the accounts (no secrets)")
    for action, text in (
        ("reset-password", "a new one-time password; ends the person's sessions"),
        ("reset-mfa", "clear the second factor; it is set up again at the next login"),
        ("disable", "the account can no longer log in; ends its sessions"),
    ):
        one = user_sub.add_parser(action, parents=[common], help=text)
        one.add_argument("--email", required=True)


def cli_origin() -> str:
    """The audit origin of this command: "cli:" and the operating-system user."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no user name in this container
        who = f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"
    return f"cli:{who}"[:64]


def _password_lines(password: str) -> list[str]:
    return [
        f"one-time password: {password}",
        "  shown only now: hand it over in person or by phone, never in the same e-mail",
        "  at the first login the person sets up the second factor (an authenticator app)",
    ]


async def _team_add(session: AsyncSession, args: argparse.Namespace, origin: str) -> list[str]:
    team = await accounts.add_team(
        session,
        name=args.name,
        municipalities=args.municipalities,
        kinds=args.kinds,
        hours=args.hours,
        origin=origin,
    )
    if args.crisis_pool:
        await set_rules(session, team.id, crisis_pool=True)
        audit(
            session, actor_id=None, action="team_rules", object_ref=f"team:{team.id}", origin=origin
        )
    return [
        f"team {team.id} created:",
        *_team_lines(
            team.id,
            team.name,
            team.municipality_codes,
            team.kinds,
            team.opening_hours,
            args.crisis_pool,
        ),
    ]


def _team_lines(
    team_id: int,
    name: str,
    codes: list[str],
    kinds: list[str],
    hours: dict[str, list[list[str]]],
    crisis_pool: bool,
) -> list[str]:
    serves = ", ".join(codes) if codes else "national/regional pool"
    pool = "  [24/7 crisis pool]" if crisis_pool else ""
    return [
        f"{team_id:>4}  {name}  ({serves}; {', '.join(kinds)}){pool}",
        f"      hours: {accounts.format_hours(hours)}",
    ]


async def _team_list(session: AsyncSession, _args: argparse.Namespace, _origin: str) -> list[str]:
    rules = await all_rules(session)
    lines: list[str] = []
    for team in await accounts.list_teams(session):
        pool = team.id in rules and rules[team.id].crisis_pool
        name = team.name + ("  [demo]" if team.demo else "")
        lines += _team_lines(
            team.id, name, team.municipality_codes, team.kinds, team.opening_hours, pool
        )
    return lines or ["no teams yet: staff team add --name ... --hours ..."]


async def _user_add(session: AsyncSession, args: argparse.Namespace, origin: str) -> list[str]:
    account, password = await accounts.add_user(
        session,
        email=args.email,
        name=args.name,
        role=args.role,
        team_id=args.team,
        max_chats=args.max_chats,
        origin=origin,
    )
    team = f"team {account.team_id}" if account.team_id is not None else "no team"
    return [
        f"account {account.id} created: {account.email} ({account.role}, {team})",
        *_password_lines(password),
    ]


async def _user_list(session: AsyncSession, _args: argparse.Namespace, _origin: str) -> list[str]:
    lines: list[str] = []
    for a in await accounts.list_users(session):
        team = f"team {a.team_id}" if a.team_id is not None else "no team"
        state = (
            "DISABLED" if a.disabled else ("mfa set up" if a.mfa_set_up else "mfa at next login")
        )
        demo = ", demo" if a.demo else ""
        lines.append(
            f"{a.id:>4}  {a.email}  {a.name}  ({a.role}, {team}, max {a.max_chats} chats{demo})  {state}"
        )
    return lines or ["no accounts yet: staff user add --email ... --name ... --role ..."]


async def _reset_password(
    session: AsyncSession, args: argparse.Namespace, origin: str
) -> list[str]:
    password = await accounts.reset_password(session, email=args.email, origin=origin)
    return [
        f"new password set for {args.email.strip().lower()}; its sessions are ended",
        *_password_lines(password),
    ]


async def _reset_mfa(session: AsyncSession, args: argparse.Namespace, origin: str) -> list[str]:
    await accounts.reset_mfa(session, email=args.email, origin=origin)
    return [
        f"second factor cleared for {args.email.strip().lower()}; its sessions are ended and"
        " the next login sets it up again"
    ]


async def _disable(session: AsyncSession, args: argparse.Namespace, origin: str) -> list[str]:
    await accounts.disable(session, email=args.email, origin=origin)
    return [
        f"{args.email.strip().lower()} is disabled: it can no longer log in, its sessions are"
        " ended and its open chats go back to its team's queue within a minute"
        " (staff user reset-password lets it in again)"
    ]


RACED = (
    "this account or team was made at the same moment by another command; nothing was changed"
    " (staff user list and staff team list show what is there)"
)
Step = Callable[[AsyncSession, argparse.Namespace, str], Awaitable[list[str]]]
STEPS: dict[tuple[str, str], Step] = {
    ("team", "add"): _team_add,
    ("team", "list"): _team_list,
    ("user", "add"): _user_add,
    ("user", "list"): _user_list,
    ("user", "reset-password"): _reset_password,
    ("user", "reset-mfa"): _reset_mfa,
    ("user", "disable"): _disable,
}


async def _run(url: str, step: Step, args: argparse.Namespace) -> int:
    origin = cli_origin()
    async with open_database(url) as (_engine, factory), factory() as session:
        try:
            lines = await step(session, args, origin)
            await session.commit()  # before a password is shown: it works once it is printed
        except accounts.AccountError as exc:
            await session.commit()  # the refusal's audit entry, nothing else
            print(f"refused: {exc}", file=sys.stderr)
            return 1
        except IntegrityError:  # the same e-mail or team, made at this moment by someone else
            await session.rollback()
            action = f"{'team' if args.thing == 'team' else 'staff'}.{args.action}"
            audit(session, actor_id=None, action=action, result="refused", origin=origin)
            await session.commit()  # the refusal is on record, as every other refusal
            print(f"refused: {RACED}", file=sys.stderr)
            return 1
    print("\n".join(lines))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run one `staff` command; exit code 1 when it was refused (the reason on stderr)."""
    url = args.url or load_settings().database_url
    return asyncio.run(_run(url, STEPS[(args.thing, args.action)], args))
