"""Staff fixtures: the real gateway app (console included) on a real database, without Rasa,
staff accounts with known passwords, and a login that reads the form's CSRF token first."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Secret, Settings
from bot.staff import StaffUser, Team, hash_password
from bot.storage.db import open_database

PASSWORD = "lang-en-geheim-wachtwoord-42"
COUNSELLOR = "kim@gemeente.test"
LEAD = "lotte@gemeente.test"
ADMIN = "beheer@gemeente.test"
OTHER_TEAM = "sam@anderegemeente.test"


def settings_for(db_url: str, **overrides: Any) -> Settings:
    base = Settings(
        env="test",
        database_url=db_url,
        rasa_url="http://127.0.0.1:9",  # nothing listens: these tests never reach Rasa
        pseudonym_key=Secret("test-pseudonym-key"),
        secret_key=Secret("test-secret-key"),
        rasa_channel_token=Secret("test-channel-token"),
        rasa_tracker_url="",
        public_url="http://127.0.0.1:8080",
    )
    return dataclasses.replace(base, **overrides)


async def seed_staff(db_url: str, *, demo: bool = False) -> dict[str, int]:
    """Two teams, a counsellor, a team lead, an admin; one account may be a demo account."""
    hashed = hash_password(PASSWORD)
    async with open_database(db_url) as (_e, factory), factory() as s:
        mine = Team(name="Team Zwolle", municipality_codes=["GM0193"], kinds=["counsellor"])
        other = Team(name="Team Kampen", municipality_codes=["GM0166"], kinds=["counsellor"])
        s.add_all([mine, other])
        await s.flush()
        people = [
            StaffUser(email=COUNSELLOR, name="Kim", role="counsellor", team_id=mine.id, demo=demo),
            StaffUser(email=LEAD, name="Lotte", role="team_lead", team_id=mine.id),
            StaffUser(email=ADMIN, name="Bram", role="admin", team_id=None),
            StaffUser(email=OTHER_TEAM, name="Sam", role="counsellor", team_id=other.id),
        ]
        for p in people:
            p.password_hash = hashed
        s.add_all(people)
        await s.commit()
        return {p.email: p.id for p in people} | {"team": mine.id, "other_team": other.id}


AppFactory = Callable[..., Any]


@pytest.fixture
async def staff_app(db_url: str) -> AsyncIterator[AppFactory]:
    """Start the app (``env`` and other settings can be overridden); closed after the test."""
    clients: list[TestClient] = []

    async def start(**overrides: Any) -> TestClient:
        app = create_app(settings_for(db_url, **overrides), pacing={}, workers=False)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        # like a browser, treat the loopback address as a secure origin (Secure cookies work)
        jar = aiohttp.CookieJar(
            unsafe=True, treat_as_secure_origin=[f"http://127.0.0.1:{server.port}"]
        )
        client = TestClient(server, cookie_jar=jar)
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


async def login_token(client: TestClient) -> str:
    """GET the login form (which sets the CSRF cookie) and return its token."""
    page = await (await client.get("/console/login")).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def post_login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Post the login form as a browser would; return where it sends us."""
    token = await login_token(client)
    response = await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf": token},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    return response.headers["Location"]


def from_address(client: TestClient, address: str) -> aiohttp.ClientSession:
    """A separate browser on another loopback address (127.0.0.x), with its own cookies."""
    return aiohttp.ClientSession(
        base_url=f"http://{client.host}:{client.port}",
        connector=aiohttp.TCPConnector(local_addr=(address, 0)),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )
