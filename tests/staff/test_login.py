"""Login hardening: CSRF on the login form, one answer for unknown, wrong, throttled and demo
accounts, throttling that 25 parallel attempts cannot race, no lock-out from another address,
cookie flags, a spike alert for the admins, and every attempt in the audit log."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select

from bot.staff import AuditEntry, StaffAlert
from bot.staff.audit import verify_chain
from bot.staff.throttle import PAIR_LIMIT, SPIKE_LIMIT
from bot.storage.db import open_database
from tests.staff.conftest import (
    ADMIN,
    COUNSELLOR,
    PASSWORD,
    from_address,
    login_token,
    post_login,
    seed_staff,
)


async def audit_results(db_url: str, action: str = "login") -> list[str]:
    async with open_database(db_url) as (_e, factory), factory() as s:
        return list(
            (
                await s.scalars(
                    select(AuditEntry.result)
                    .where(AuditEntry.action == action)
                    .order_by(AuditEntry.id)
                )
            ).all()
        )


async def test_the_login_form_refuses_a_post_without_its_token(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app()
    r = await client.post(
        "/console/login", data={"email": COUNSELLOR, "password": PASSWORD}, allow_redirects=False
    )
    assert r.headers["Location"].endswith("?error=expired")
    token = await login_token(client)
    r = await client.post(  # a form on another site, with the token copied into it
        "/console/login",
        data={"email": COUNSELLOR, "password": PASSWORD, "csrf": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
    )
    assert r.headers["Location"].endswith("?error=expired")
    assert (await client.get("/console/", allow_redirects=False)).status == 302  # not logged in
    token = await login_token(client)
    r = await client.post(  # our own form: the page sends no referrer, so Chromium says "null"
        "/console/login",
        data={"email": COUNSELLOR, "password": PASSWORD, "csrf": token},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
    )
    assert r.headers["Location"] == "/console/"
    assert await post_login(client, COUNSELLOR) == "/console/"
    assert (await client.get("/console/", allow_redirects=False)).status == 200


async def test_unknown_wrong_demo_and_throttled_get_the_same_answer(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url, demo=True)  # the counsellor is a demo account
    client = await staff_app(env="production")
    answers = {
        "unknown": await post_login(client, "niemand@gemeente.test"),
        "wrong": await post_login(client, ADMIN, "fout"),
        "demo": await post_login(client, COUNSELLOR),  # right password, demo outside development
    }
    for _ in range(PAIR_LIMIT):
        await post_login(client, ADMIN, "fout")
    answers["throttled"] = await post_login(client, ADMIN)  # right password, but held back
    assert set(answers.values()) == {"/console/login?error=invalid"}, answers
    pages = {
        (await (await client.get(url)).text()).replace(await login_token(client), "")
        for url in answers.values()
    }
    pages = {re.sub(r'value="[^"]+"', "", p) for p in pages}
    assert len(pages) == 1
    assert "Inloggen lukte niet" in pages.pop()
    results = await audit_results(db_url)
    assert {"unknown_account", "wrong_password", "demo_refused", "throttled"} <= set(results)


async def test_25_parallel_wrong_passwords_check_at_most_five(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app()
    token = await login_token(client)

    async def attempt(i: int) -> str:
        r = await client.post(
            "/console/login",
            data={"email": COUNSELLOR, "password": f"gok-{i}", "csrf": token},
            allow_redirects=False,
        )
        return r.headers["Location"]

    answers = await asyncio.gather(*(attempt(i) for i in range(25)))
    assert set(answers) == {"/console/login?error=invalid"}
    results = await audit_results(db_url)
    assert results.count("wrong_password") == PAIR_LIMIT  # only five passwords were checked
    assert results.count("throttled") == 25 - PAIR_LIMIT
    # locked out: even the right password is not checked from this address now
    assert await post_login(client, COUNSELLOR) == "/console/login?error=invalid"
    # but a stranger cannot lock the counsellor out: from her own address she gets in
    async with from_address(client, "127.0.0.2") as own:
        page = await own.get("/console/login")
        token = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)  # type: ignore[union-attr]
        r = await own.post(
            "/console/login",
            data={"email": COUNSELLOR, "password": PASSWORD, "csrf": token},
            allow_redirects=False,
        )
        assert r.headers["Location"] == "/console/"
        origin = await own.get("/console/", allow_redirects=False)
        assert origin.status == 200
    async with open_database(db_url) as (_e, factory), factory() as s:
        ok = await s.scalar(select(AuditEntry).where(AuditEntry.result == "ok"))
        assert ok is not None and ok.origin == "127.0.0.2"
        assert (await verify_chain(s)).ok


async def test_a_spike_of_failures_alerts_the_admins_once(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app()
    for i in range(SPIKE_LIMIT + 5):
        await post_login(client, f"gok{i}@gemeente.test", "fout")  # many accounts, few tries each
    async with open_database(db_url) as (_e, factory), factory() as s:
        alerts = (await s.scalars(select(StaffAlert))).all()
    assert [(a.kind, a.audience) for a in alerts] == [("login_spike", "admin")]


async def test_session_cookie_flags_and_secure_outside_development(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    dev = await staff_app()
    token = await login_token(dev)
    r = await dev.post(
        "/console/login",
        data={"email": COUNSELLOR, "password": PASSWORD, "csrf": token},
        allow_redirects=False,
    )
    cookie = r.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("gh_console="))
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    assert "Secure" not in session_cookie  # plain http in development
    prod = await staff_app(env="production")
    form = await prod.get("/console/login")
    login_cookie = form.headers["Set-Cookie"]
    assert (
        "Secure" in login_cookie
        and "HttpOnly" in login_cookie
        and "SameSite=Strict" in login_cookie
    )


async def test_logout_is_audited_and_ends_the_session(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    await seed_staff(db_url)
    client = await staff_app()
    await post_login(client, COUNSELLOR)
    page = await (await client.get("/console/")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = await client.post("/console/logout", data={"csrf": csrf}, allow_redirects=False)
    assert r.status == 302
    assert (await client.get("/console/", allow_redirects=False)).status == 302
    assert await audit_results(db_url, "logout") == ["ok"]
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry)) == 2


async def test_a_login_replaces_a_hash_weaker_than_todays(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    """A hash from before the factor was stored (or at a smaller one) is replaced at the next
    login; a wrong password replaces nothing."""
    import hashlib

    from bot.staff import StaffUser
    from bot.staff.passwords import cost, needs_rehash, verify_password

    await seed_staff(db_url)
    salt = bytes(range(16))
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    legacy = f"scrypt${salt.hex()}${digest.hex()}"

    async def stored() -> str:
        async with open_database(db_url) as (_e, factory), factory() as s:
            return str(
                await s.scalar(select(StaffUser.password_hash).where(StaffUser.email == ADMIN))
            )

    async with open_database(db_url) as (_e, factory), factory() as s:
        admin = await s.scalar(select(StaffUser).where(StaffUser.email == ADMIN))
        admin.password_hash = legacy
        await s.commit()
    client = await staff_app()
    token = await login_token(client)
    await client.post(
        "/console/login",
        data={"email": ADMIN, "password": "niet-het-wachtwoord", "csrf": token},
        allow_redirects=False,
    )
    assert await stored() == legacy
    await post_login(client, ADMIN)
    now = await stored()
    assert now != legacy and now.split("$")[1] == str(cost()) and not needs_rehash(now)
    assert verify_password(PASSWORD, now)
