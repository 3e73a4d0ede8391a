"""Console fixtures: the gateway app with a demo team on a real database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.conversations.tables import Handover
from bot.demo.team import DEMO_PASSWORD, seed
from bot.staff import StaffUser, Team
from bot.storage.db import open_database
from tests.conversations.conftest import own_gw  # noqa: F401 - the gateway without Rasa
from tests.gateway.conftest import TG_SECRET, fakes, fixture, gateway, rasa_proxy  # noqa: F401
from tests.support.staff_login import login_csrf

ALWAYS_OPEN = {str(d): [["00:00", "23:59"]] for d in range(7)}


@pytest.fixture
async def console(gateway, db_url):  # type: ignore[no-untyped-def]  # noqa: F811
    """A started gateway whose demo teams are open around the clock."""
    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
        async with factory() as s:
            for team in (await s.scalars(select(Team))).all():
                team.opening_hours = ALWAYS_OPEN
            await s.commit()
    return await gateway()


async def login_as(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> str:
    """Log in through the form (with its CSRF token); return the CSRF token of the session."""
    return await login_csrf(client, email, password)


async def tg(
    client: TestClient,
    update_id: int,
    chat_id: int,
    text: str | None = None,
    payload: str | None = None,
) -> None:
    """A Telegram update from a resident: a text or a button press."""
    if payload is not None:
        body: dict[str, Any] = fixture("tg_callback_query_with_message")
        body["update_id"] = update_id
        body["callback_query"]["data"] = payload
        body["callback_query"]["from"]["id"] = chat_id
        body["callback_query"]["message"]["chat"]["id"] = chat_id
    else:
        body = fixture("tg_private_text")
        body["update_id"] = update_id
        body["message"].update(text=text, message_id=update_id)
        body["message"]["chat"]["id"] = body["message"]["from"]["id"] = chat_id
    response = await client.post(
        "/webhooks/telegram",
        data=json.dumps(body),
        headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET},
    )
    assert response.status == 200


async def wait_handover(db_url: str, count: int = 1) -> list[Handover]:
    import asyncio

    for _ in range(300):
        async with open_database(db_url) as (_e, factory), factory() as s:
            rows = (await s.scalars(select(Handover).order_by(Handover.id))).all()
        if len(rows) >= count:
            return list(rows)
        await asyncio.sleep(0.1)
    raise AssertionError("no handover arrived")


async def staff_id(db_url: str, email: str) -> int:
    async with open_database(db_url) as (_e, factory), factory() as s:
        return int(await s.scalar(select(StaffUser.id).where(StaffUser.email == email)))
