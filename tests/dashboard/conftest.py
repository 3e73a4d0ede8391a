"""Dashboard fixtures: generated analytics (random but seeded), a gateway app without Rasa, logins."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.analytics import record_event
from bot.analytics.tables import UnansweredQuestion
from bot.app import create_app
from bot.demo.team import DEMO_PASSWORD
from bot.demo.team import seed as seed_team
from bot.settings import Secret, Settings
from bot.staff import StaffUser, Team, hash_password
from bot.storage.db import open_database

TOPICS = [
    "debt_help",
    "rent_housing",
    "energy_water",
    "debt_collector",
    "food_basic_needs",
    "greet",
]
MUNIS = ["GM0014", "GM0034"]
ANALYST_A = "analist@demo.geldhulp.nl"  # demo team: Groningen GM0014
ANALYST_B = "analist-b@test.geldhulp.nl"  # made here: Almere GM0034
NOW = datetime.now(UTC)


def generate(seed: int = 7, conversations: int = 160) -> list[dict[str, Any]]:
    """Random but seeded events in two municipalities over the last 60 days."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for i in range(conversations):
        t = NOW - timedelta(days=rng.uniform(0.1, 60), minutes=rng.randrange(600))
        common = {
            "municipality_code": rng.choice(MUNIS),
            "conversation_ref": f"c{seed}-{i}",
            "channel": rng.choices(["whatsapp", "telegram", "web"], weights=[8, 3, 1])[0],
        }
        # like the gateway: the municipality is often unknown until later in the conversation,
        # and some conversations never get one (then only admins see them)
        known_from = rng.choice([0, 1, 2, 99])
        events.append(
            {
                "name": "conversation.started",
                "occurred_at": t,
                **common,
                "municipality_code": common["municipality_code"] if known_from == 0 else None,
            }
        )
        for m in range(rng.randint(1, 4)):
            t += timedelta(seconds=rng.randint(5, 400))
            events.append(
                {
                    "name": "message.received",
                    "occurred_at": t,
                    "topic": rng.choice(TOPICS),
                    "confidence": rng.random(),
                    **common,
                    "municipality_code": common["municipality_code"]
                    if m + 1 >= known_from
                    else None,
                }
            )
        if rng.random() < 0.4:
            events.append(
                {
                    "name": "handover.requested",
                    "occurred_at": t,
                    **common,
                    "reason": rng.choice(["asked", "crisis", "distrust", "bot_failed"]),
                    "kind": rng.choice(["counsellor", "peer", None]),
                    "out_of_hours": rng.random() < 0.3,
                }
            )
            if rng.random() < 0.8:
                wait = rng.uniform(10, 5000)
                events.append(
                    {
                        "name": "handover.assigned",
                        "occurred_at": t + timedelta(seconds=wait),
                        "value_seconds": wait,
                        **common,
                    }
                )
                events.append(
                    {
                        "name": "handover.closed",
                        "occurred_at": t + timedelta(seconds=wait + 60),
                        "outcome": rng.choice(["referred", "advice_given", "no_show"]),
                        **common,
                    }
                )
            else:
                events.append(
                    {
                        "name": "handover.cancelled",
                        "occurred_at": t + timedelta(seconds=30),
                        **common,
                    }
                )
    return [e for e in events if e["occurred_at"] < NOW]


def of_municipality(events: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    """Independent attribution: a conversation belongs to the code any of its events carries."""
    owner = {
        e["conversation_ref"]: e["municipality_code"] for e in events if e["municipality_code"]
    }
    return [
        e
        for e in events
        if e["municipality_code"] == code
        or (e["municipality_code"] is None and owner.get(e["conversation_ref"]) == code)
    ]


async def store(url: str, events: list[dict[str, Any]]) -> None:
    """Write events the way the gateway does (record_event), one commit."""
    async with open_database(url) as (_e, factory), factory() as session:
        for e in events:
            fields = dict(e)
            await record_event(session, fields.pop("name"), **fields)
        await session.commit()


async def add_question(
    url: str,
    text: str,
    code: str | None,
    *,
    ref: str | None = None,
    guess: str | None = "nlu_fallback",
    confidence: float | None = 0.3,
    at: datetime | None = None,
) -> int:
    """An unanswered question as stored (the text is taken as already redacted)."""
    async with open_database(url) as (_e, factory), factory() as session:
        row = UnansweredQuestion(
            text_redacted=text,
            municipality_code=code,
            channel="web",
            conversation_ref=ref,
            intent_guess=guess,
            confidence=confidence,
        )
        if at is not None:
            row.occurred_at = at
        session.add(row)
        await session.commit()
        return int(row.id)


async def add_team_lead(url: str, email: str, code: str) -> None:
    """A team with its own team lead for municipality ``code``."""
    async with open_database(url) as (_e, factory), factory() as s:
        team = Team(
            name=f"Team {code}",
            municipality_codes=[code],
            kinds=["counsellor"],
            opening_hours={},
            demo=False,
        )
        s.add(team)
        await s.flush()
        s.add(
            StaffUser(
                email=email,
                name=f"Lead {code}",
                role="team_lead",
                team_id=team.id,
                password_hash=hash_password(DEMO_PASSWORD),
                presence="offline",
                failed_logins=0,
                max_chats=1,
                demo=False,
            )
        )
        await s.commit()


async def seed_staff(db_url: str) -> None:
    """The demo team (Groningen, GM0014) and a second analyst of Almere (GM0034)."""
    async with open_database(db_url) as (_e, factory):
        await seed_team(factory, if_empty=False)
        async with factory() as s:
            team = Team(
                name="Almere test",
                municipality_codes=["GM0034"],
                kinds=["counsellor"],
                opening_hours={},
                demo=False,
            )
            s.add(team)
            await s.flush()
            s.add(
                StaffUser(
                    email=ANALYST_B,
                    name="Analist B",
                    role="analyst",
                    team_id=team.id,
                    password_hash=hash_password(DEMO_PASSWORD),
                    presence="offline",
                    failed_logins=0,
                    max_chats=1,
                    demo=False,
                )
            )
            await s.commit()


@pytest.fixture
async def dashboard(db_url: str) -> AsyncIterator[TestClient]:
    """The gateway app (no workers, no Rasa needed) with the demo team and a second analyst."""
    await seed_staff(db_url)
    settings = Settings(
        env="test",
        database_url=db_url,
        rasa_url="http://127.0.0.1:9",
        pseudonym_key=Secret("k"),
        secret_key=Secret("s"),
        telegram_mode="off",
    )
    client = TestClient(
        TestServer(create_app(settings, pacing={}, workers=False), host="127.0.0.1")
    )
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def live_gateway(db_url: str, rasa_stack: Any) -> AsyncIterator[TestClient]:
    """The whole gateway with its workers, talking to the real Rasa server (trained model)."""
    from harness.rasa_stack import RASA_CHANNEL_TOKEN

    await seed_staff(db_url)
    settings = Settings(
        env="test",
        database_url=db_url,
        rasa_url=rasa_stack.rasa_url,
        rasa_timeout=30.0,
        rasa_channel_token=Secret(RASA_CHANNEL_TOKEN),
        pseudonym_key=Secret("test-pseudonym-key"),
        secret_key=Secret("test-secret-key"),
        telegram_mode="off",
    )
    client = TestClient(
        TestServer(create_app(settings, pacing={}, retry_base=0.05), host="127.0.0.1")
    )
    await client.start_server()
    yield client
    await client.close()


async def login(client: TestClient, email: str) -> None:
    """Log in through the console's login form (with its CSRF token when it has one)."""
    form = await (await client.get("/console/login")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    data = {
        "email": email,
        "password": DEMO_PASSWORD,
        **({"csrf": token.group(1)} if token else {}),
    }
    response = await client.post("/console/login", data=data, allow_redirects=False)
    assert response.status == 302, await response.text()
    assert "error=" not in response.headers.get("Location", "")


async def login_as(client: TestClient, email: str) -> str:
    """Log in and open the dashboard; return the session's CSRF token."""
    await login(client, email)
    page = await client.get("/dashboard/")
    assert page.status == 200
    match = re.search(r'name="csrf" value="([^"]+)"', await page.text())
    assert match
    return match.group(1)
