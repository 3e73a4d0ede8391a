"""The second factor over real HTTP: required outside development, set up with the secret the page
shows, a code works once, recovery codes work once and are stored only as hashes, too many wrong
codes end the attempt, and an admin can make a colleague set it up again."""

from __future__ import annotations

import re
import time
from typing import NamedTuple

import pyotp
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.staff import AuditEntry, StaffSession, StaffUser
from bot.staff.auth import MAX_CODE_FAILURES
from bot.storage.db import open_database
from tests.privacy.scan import find_everywhere
from tests.staff.conftest import ADMIN, COUNSELLOR, post_login, seed_staff


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


class Enrolment(NamedTuple):
    key: str
    codes: list[str]
    code_used: str  # the code that proved the set-up (a 30-second step may have passed since)


async def enrol(client: TestClient, email: str) -> Enrolment:
    """Log in with the password, read the secret off the set-up page, prove a code; return the
    secret, the recovery codes shown and the code given."""
    assert await post_login(client, email) == "/console/mfa/enrol"
    assert (await client.get("/console/", allow_redirects=False)).status == 302  # not in yet
    page = await (await client.get("/console/mfa/enrol")).text()
    assert "<svg" in page and "QR-code" in page
    secret = re.search(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>', page)
    assert secret, page
    key = secret.group(1).replace(" ", "")
    code = pyotp.TOTP(key).now()
    r = await client.post(
        "/console/mfa/enrol",
        data={"csrf": csrf_of(page), "code": code},
        allow_redirects=False,
    )
    assert r.status == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", await r.text())
    return Enrolment(key, codes, code)


async def give_code(client: TestClient, code: str) -> str:
    page = await (await client.get("/console/mfa")).text()
    r = await client.post(
        "/console/mfa", data={"csrf": csrf_of(page), "code": code}, allow_redirects=False
    )
    return r.headers["Location"]


async def logout(client: TestClient) -> None:
    page = await (await client.get("/console/")).text()
    await client.post("/console/logout", data={"csrf": csrf_of(page)})


async def test_setting_up_and_logging_in_with_a_code(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app(env="production")
    key, codes, used = await enrol(client, COUNSELLOR)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    assert await find_everywhere(db_url, codes) == []  # recovery codes are stored only hashed
    await logout(client)

    totp = pyotp.TOTP(key)
    assert await post_login(client, COUNSELLOR) == "/console/mfa"
    assert await give_code(client, "000000") == "/console/mfa?error=code"
    # the code of the set-up step was used already: refused, also when its 30 s step is over
    assert await give_code(client, used) == "/console/mfa?error=code"
    following = totp.at(time.time() + 30)  # the next step's code (one step of drift is allowed)
    assert await give_code(client, following) == "/console/"
    assert (await client.get("/console/", allow_redirects=False)).status == 200
    await logout(client)

    assert await post_login(client, COUNSELLOR) == "/console/mfa"
    assert await give_code(client, following) == "/console/mfa?error=code"  # works only once
    async with open_database(db_url) as (_e, factory), factory() as s:
        actions = (
            await s.execute(select(AuditEntry.action, AuditEntry.result).order_by(AuditEntry.id))
        ).all()
    assert ("mfa.enrolled", "ok") in actions and ("mfa.code", "ok") in actions
    assert actions.count(("mfa.code", "wrong_code")) == 3


async def test_a_recovery_code_works_once(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app(env="production")
    codes = (await enrol(client, COUNSELLOR)).codes
    await logout(client)
    assert await post_login(client, COUNSELLOR) == "/console/mfa"
    assert await give_code(client, codes[3].upper().replace("-", " ")) == "/console/"
    await logout(client)
    assert await post_login(client, COUNSELLOR) == "/console/mfa"
    assert await give_code(client, codes[3]) == "/console/mfa?error=code"
    assert await give_code(client, codes[4]) == "/console/"
    async with open_database(db_url) as (_e, factory), factory() as s:
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == COUNSELLOR))
        assert staff is not None and len(staff.recovery_codes) == 8


async def test_too_many_wrong_codes_end_the_attempt(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app(env="production")
    await enrol(client, COUNSELLOR)
    await logout(client)
    assert await post_login(client, COUNSELLOR) == "/console/mfa"
    answers = [await give_code(client, f"{i:06d}") for i in range(MAX_CODE_FAILURES)]
    assert answers[-1] == "/console/login?error=invalid"
    assert (await client.get("/console/mfa", allow_redirects=False)).headers["Location"] == (
        "/console/login"
    )


async def test_an_admin_makes_a_colleague_set_it_up_again(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    colleague = await staff_app(env="production")
    await enrol(colleague, COUNSELLOR)
    admin = await staff_app(env="production")
    await enrol(admin, ADMIN)
    settings_page = await (await admin.get("/console/mfa/instellingen")).text()
    r = await admin.post(
        "/console/mfa/reset", data={"csrf": csrf_of(settings_page), "email": COUNSELLOR}
    )
    assert "is gewist" in await r.text()
    # the colleague is logged out everywhere and sets up a new second factor at the next login
    assert (await colleague.get("/console/", allow_redirects=False)).status == 302
    await enrol(colleague, COUNSELLOR)
    async with open_database(db_url) as (_e, factory), factory() as s:
        reset = await s.scalar(select(AuditEntry).where(AuditEntry.action == "mfa.reset"))
        assert reset is not None and reset.object_ref and reset.origin == "127.0.0.1"
        sessions = (await s.scalars(select(StaffSession.stage))).all()
        assert set(sessions) == {"full"}


async def test_in_development_the_second_factor_is_asked_once_set_up(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app()  # development: a password is enough until you set up a code
    assert await post_login(client, COUNSELLOR) == "/console/"
    page = await (await client.get("/console/mfa/enrol")).text()
    key = re.search(r'<code id="secret" class="secret">([A-Z2-7 ]+)</code>', page).group(1)  # type: ignore[union-attr]
    await client.post(
        "/console/mfa/enrol",
        data={"csrf": csrf_of(page), "code": pyotp.TOTP(key.replace(" ", "")).now()},
    )
    await logout(client)
    assert await post_login(client, COUNSELLOR) == "/console/mfa"
