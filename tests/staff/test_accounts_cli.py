"""`geldhulp staff` switches a municipality on in production: the real command (a subprocess, as
an operator runs it) creates a team and a counsellor, who logs in over real HTTP with the printed
password and must set up the second factor; password and second-factor resets and disabling end
the sessions they must; refusals exit non-zero and are audited; the audit chain still verifies.

The operator's first two commands (in the first test) and the race of four run as processes;
the other commands call the same entry point (`bot.cli.main`) in this process, in production
mode (tests/support/cli.py).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from typing import Any

import pyotp
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.staff import AuditEntry, StaffSession, StaffUser, Team, accounts
from bot.staff.accounts import AccountError, HoursError, format_hours, parse_hours
from bot.staff.team_rules import rules_for
from bot.storage.db import open_database
from tests.privacy.scan import find_everywhere
from tests.staff.conftest import post_login
from tests.support.cli import Ran, run_here

EMAIL = "kim.devries@zwolle.example"
PRODUCTION = {
    "GELDHULP_ENV": "production",
    "GELDHULP_SECRET_KEY": "cli-test-secret-key",
    "GELDHULP_PSEUDONYM_KEY": "cli-test-pseudonym-key",
    "GELDHULP_MEDIA_KEY": "ef" * 32,
    "GELDHULP_RASA_CHANNEL_TOKEN": "cli-test-channel-token",
}


async def geldhulp(db_url: str, *args: str, own_process: bool = False) -> Ran:
    """`python -m bot <args> --url <db_url>` in production mode, as an operator runs it: in a
    process of its own, or the same entry point in a thread of this one."""
    if not own_process:
        return await asyncio.to_thread(run_here, [*args, "--url", db_url], PRODUCTION)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GELDHULP_")} | PRODUCTION
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        "--url",
        db_url,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return Ran(proc.returncode, out.decode(), err.decode())


def password_in(ran: Ran) -> str:
    assert ran.code == 0, ran
    match = re.search(r"^one-time password: (\S+)$", ran.out, re.MULTILINE)
    assert match, ran.out
    return match.group(1)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def enrol(client: TestClient, email: str, password: str) -> None:
    """Log in with the password, set up the second factor with the secret the page shows."""
    assert await post_login(client, email, password) == "/console/mfa/enrol"
    page = await (await client.get("/console/mfa/enrol")).text()
    secret = re.search(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>', page)
    assert secret, page
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    r = await client.post(
        "/console/mfa/enrol", data={"csrf": csrf_of(page), "code": code}, allow_redirects=False
    )
    assert r.status == 200, await r.text()
    assert await logged_in(client)


async def logged_in(client: TestClient) -> bool:
    r = await client.get("/console/", allow_redirects=False)
    assert r.status in (200, 302), r.status
    return r.status == 200


async def add_team_and_counsellor(db_url: str, own_process: bool = False) -> tuple[int, str]:
    """A municipality's team and its counsellor, with the real command; the team id and the
    printed password."""
    team = await geldhulp(
        db_url,
        "staff",
        "team",
        "add",
        "--name",
        "Schuldhulp Zwolle",
        "--municipalities",
        "GM0193",
        "--kinds",
        "counsellor,peer",
        "--hours",
        "mon-fri 09:00-17:00; sat 10:00-12:00",
        own_process=own_process,
    )
    assert team.code == 0, team
    match = re.search(r"^team (\d+) created", team.out, re.MULTILINE)
    assert match, team.out
    team_id = match.group(1)
    user = await geldhulp(
        db_url, "staff", "user", "add", "--email", EMAIL, "--name", "Kim de Vries",
        "--role", "counsellor", "--team", team_id, own_process=own_process,
    )  # fmt: skip
    return int(team_id), password_in(user)


async def audit_rows(db_url: str) -> list[tuple[str, str | None, str, str | None]]:
    async with open_database(db_url) as (_e, factory), factory() as s:
        rows = await s.execute(
            select(
                AuditEntry.action, AuditEntry.object_ref, AuditEntry.result, AuditEntry.origin
            ).order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_switching_a_municipality_on_in_production(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    team_id, password = await add_team_and_counsellor(db_url, own_process=True)
    pool = await geldhulp(
        db_url, "staff", "team", "add", "--name", "Crisisdienst 24/7", "--kinds", "counsellor",
        "--hours", "daily 00:00-24:00", "--crisis-pool",
    )  # fmt: skip
    assert pool.code == 0, pool

    async with open_database(db_url) as (_e, factory), factory() as s:
        team = await s.get(Team, team_id)
        assert team is not None and team.municipality_codes == ["GM0193"]
        assert team.kinds == ["counsellor", "peer"] and not team.demo
        assert team.opening_hours == {
            **{str(d): [["09:00", "17:00"]] for d in range(5)},
            "5": [["10:00", "12:00"]],
        }
        crisis = await s.scalar(select(Team).where(Team.name == "Crisisdienst 24/7"))
        assert crisis is not None and crisis.municipality_codes == []
        assert (await rules_for(s, crisis.id)).crisis_pool
        assert not (await rules_for(s, team_id)).crisis_pool
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == EMAIL))
        assert staff is not None and staff.role == "counsellor" and staff.team_id == team_id
        assert staff.totp_enrolled_at is None and not staff.demo
    assert await find_everywhere(db_url, [password]) == []  # only its hash is stored

    listing = await geldhulp(db_url, "staff", "team", "list")
    assert listing.code == 0 and "[24/7 crisis pool]" in listing.out
    assert "mon-fri 09:00-17:00; sat 10:00-12:00" in listing.out

    client = await staff_app(env="production")
    assert await post_login(client, EMAIL, "not-the-password") == "/console/login?error=invalid"
    await enrol(client, EMAIL, password)  # the printed password works, then MFA set-up

    users = await geldhulp(db_url, "staff", "user", "list")
    assert users.code == 0 and EMAIL in users.out and "mfa set up" in users.out
    async with open_database(db_url) as (_e, factory), factory() as s:
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == EMAIL))
        assert staff is not None and staff.totp_secret
        assert staff.password_hash not in users.out and staff.totp_secret not in users.out
    assert password not in users.out


async def test_resets_and_disabling_end_sessions(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    _team, first = await add_team_and_counsellor(db_url)
    client = await staff_app(env="production")
    await enrol(client, EMAIL, first)

    second = password_in(
        await geldhulp(db_url, "staff", "user", "reset-password", "--email", EMAIL)
    )
    assert second != first
    assert not await logged_in(client)  # the open session was ended
    assert await post_login(client, EMAIL, first) == "/console/login?error=invalid"
    assert await post_login(client, EMAIL, second) == "/console/mfa"  # second factor kept

    mfa = await geldhulp(db_url, "staff", "user", "reset-mfa", "--email", EMAIL.upper())
    assert mfa.code == 0, mfa
    async with open_database(db_url) as (_e, factory), factory() as s:
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == EMAIL))
        assert staff is not None and staff.totp_secret is None and staff.recovery_codes == []
        assert (await s.scalars(select(StaffSession))).all() == []  # the pending login too
    await enrol(client, EMAIL, second)  # the next login sets the second factor up again

    off = await geldhulp(db_url, "staff", "user", "disable", "--email", EMAIL)
    assert off.code == 0, off
    assert not await logged_in(client)
    assert await post_login(client, EMAIL, second) == "/console/login?error=invalid"
    users = await geldhulp(db_url, "staff", "user", "list")
    assert "DISABLED" in users.out

    verify = await geldhulp(db_url, "audit", "verify")
    assert verify.code == 0, verify
    cli = [r for r in await audit_rows(db_url) if (r[3] or "").startswith("cli:")]
    assert [(a, res) for a, _ref, res, _o in cli] == [
        ("team.add", "ok"),
        ("staff.add", "ok"),
        ("staff.password_reset", "ok"),
        ("mfa.reset", "ok"),
        ("staff.disable", "ok"),
    ]
    assert all(ref and re.fullmatch(r"(team|staff):\d+", ref) for _a, ref, _r, _o in cli)


async def test_refusals_exit_non_zero_and_are_audited(db_url) -> None:  # type: ignore[no-untyped-def]
    team_id, _password = await add_team_and_counsellor(db_url)
    duplicate = await geldhulp(
        db_url, "staff", "user", "add", "--email", f" {EMAIL.upper()} ", "--name", "Kim",
        "--role", "counsellor", "--team", str(team_id),
    )  # fmt: skip
    assert duplicate.code != 0 and "exists already" in duplicate.err
    assert "one-time password" not in duplicate.out
    bad_hours = await geldhulp(
        db_url, "staff", "team", "add", "--name", "Nacht", "--hours", "mon 22:00-02:00"
    )
    assert bad_hours.code == 1 and "past midnight" in bad_hours.err
    cases: list[tuple[dict[str, object], str]] = [
        ({"role": "counsellor", "team_id": None}, "needs a team"),
        ({"role": "analyst", "team_id": None}, "needs a team"),
        ({"role": "counsellor", "team_id": team_id + 99}, f"no team {team_id + 99}"),
        ({"role": "counsellor", "max_chats": 0}, "max chats"),
        ({"role": "counsellor", "email": "kim@"}, "not an e-mail address"),
        ({"role": "counsellor", "name": "  "}, "needs a name"),
        ({"role": "boss"}, "role must be one of"),
    ]
    async with open_database(db_url) as (_e, factory):
        for change, why in cases:
            fields: dict[str, Any] = {
                "email": "new@zwolle.example",
                "name": "New",
                "team_id": team_id,
                "max_chats": 3,
            } | change
            async with factory() as s:
                with pytest.raises(AccountError, match=why):
                    await accounts.add_user(s, origin="cli:test", **fields)
                await s.commit()
    unknown = await geldhulp(db_url, "staff", "user", "disable", "--email", "nobody@zwolle.example")
    assert unknown.code == 1 and "no account" in unknown.err

    async with open_database(db_url) as (_e, factory), factory() as s:
        emails = (await s.scalars(select(StaffUser.email))).all()
        names = (await s.scalars(select(Team.name))).all()
    assert emails == [EMAIL] and names == ["Schuldhulp Zwolle"]
    refused = [(a, res) for a, _ref, res, _o in await audit_rows(db_url) if res != "ok"]
    assert refused == [
        ("staff.add", "refused"),
        ("team.add", "refused"),
        *[("staff.add", "refused")] * len(cases),
        ("staff.disable", "refused"),
    ]
    assert await find_everywhere(db_url, ["nobody@", "new@zwolle"]) == []  # no addresses logged
    verify = await geldhulp(db_url, "audit", "verify")
    assert verify.code == 0, verify


async def test_a_peer_goes_only_to_a_team_that_takes_peers(db_url) -> None:  # type: ignore[no-untyped-def]
    team = await geldhulp(
        db_url, "staff", "team", "add", "--name", "Alleen consulenten", "--kinds", "counsellor",
        "--hours", "mon 09:00-17:00",
    )  # fmt: skip
    assert team.code == 0, team
    team_id = re.search(r"^team (\d+) created", team.out, re.MULTILINE)
    assert team_id, team.out
    peer = await geldhulp(
        db_url, "staff", "user", "add", "--email", "peer@zwolle.example", "--name", "P",
        "--role", "peer", "--team", team_id.group(1),
    )  # fmt: skip
    assert peer.code == 1 and "takes no peers" in peer.err
    admin = await geldhulp(
        db_url, "staff", "user", "add", "--email", "admin@zwolle.example", "--name", "A",
        "--role", "admin",
    )  # fmt: skip
    assert admin.code == 0 and "(admin, no team)" in admin.out


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mon-fri 09:00-17:00", {str(d): [["09:00", "17:00"]] for d in range(5)}),
        (
            "mon-fri 09:00-17:00; sat 10:00-12:00",
            {**{str(d): [["09:00", "17:00"]] for d in range(5)}, "5": [["10:00", "12:00"]]},
        ),
        ("daily 00:00-24:00", {str(d): [["00:00", "24:00"]] for d in range(7)}),
        ("Mon,Wed 9:00-12:00", {"0": [["09:00", "12:00"]], "2": [["09:00", "12:00"]]}),
        ("tue 13:00-17:00 09:00-12:00", {"1": [["09:00", "12:00"], ["13:00", "17:00"]]}),
        (
            "sun 10:00-11:00; mon 08:00-09:00",
            {"0": [["08:00", "09:00"]], "6": [["10:00", "11:00"]]},
        ),
        ("mon 09:00-12:00; mon 12:00-17:00", {"0": [["09:00", "12:00"], ["12:00", "17:00"]]}),
        (" fri 09:00-17:00 ; ", {"4": [["09:00", "17:00"]]}),
    ],
)
def test_hours_are_read(spec: str, expected: dict[str, list[list[str]]]) -> None:
    assert parse_hours(spec) == expected
    assert parse_hours(format_hours(expected)) == expected  # the listing reads back the same


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("", "no opening hours"),
        ("  ;  ", "no opening hours"),
        ("mon-fri", "needs days and a time range"),
        ("09:00-17:00", "needs days and a time range"),
        ("maandag 09:00-17:00", "unknown day"),
        ("mon-xyz 09:00-17:00", "unknown day"),
        ("fri-mon 09:00-17:00", "runs backwards"),
        ("mon 9-17", "not HH:MM"),
        ("mon 09:00", "not a time range"),
        ("mon 25:00-26:00", "does not exist"),
        ("mon 09:60-17:00", "does not exist"),
        ("mon 24:00-24:00", "does not exist"),
        ("mon 24:30-23:00", "does not exist"),
        ("mon 17:00-09:00", "past midnight"),
        ("mon 09:00-09:00", "does not end after it starts"),
        ("mon 09:00-13:00 12:00-17:00", "overlap on mon"),
        ("mon-fri 09:00-17:00; wed 16:00-18:00", "overlap on wed"),
    ],
)
def test_nonsense_hours_are_refused(spec: str, why: str) -> None:
    with pytest.raises(HoursError, match=why):
        parse_hours(spec)


def test_hours_read_back_for_display() -> None:
    assert format_hours({}) == "closed"
    week = parse_hours("mon-fri 09:00-12:00 13:00-17:00; sat 10:00-12:00")
    assert format_hours(week) == "mon-fri 09:00-12:00 13:00-17:00; sat 10:00-12:00"


async def test_the_same_account_added_at_once_by_several_commands(db_url) -> None:  # type: ignore[no-untyped-def]
    """Operators racing: one account is made, every other command is refused in one line (no
    traceback), whether its check came first or the database's unique e-mail caught it."""
    team_id, _password = await add_team_and_counsellor(db_url)
    email = "sam.jansen@zwolle.example"
    ran = await asyncio.gather(
        *(
            geldhulp(
                db_url,
                "staff",
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Sam",
                "--role",
                "counsellor",
                "--team",
                str(team_id),
                own_process=True,
            )  # fmt: skip
            for _ in range(4)
        )
    )
    made = [r for r in ran if r.code == 0]
    assert len(made) == 1, ran
    for r in ran:
        if r.code != 0:
            assert r.code == 1 and r.err.startswith("refused: ") and "Traceback" not in r.err, r
            assert "one-time password" not in r.out
    async with open_database(db_url) as (_e, factory), factory() as s:
        emails = (await s.scalars(select(StaffUser.email).order_by(StaffUser.email))).all()
        refusals = (
            await s.scalars(
                select(AuditEntry.result).where(
                    AuditEntry.action == "staff.add", AuditEntry.result == "refused"
                )
            )
        ).all()
    assert emails == [EMAIL, email]
    assert len(refusals) == len(ran) - 1  # every refused command is on record
