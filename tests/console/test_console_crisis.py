"""Crisis through the real gateway and Rasa: 113/112 always, urgent first in the queue, also out of hours."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.demo.team import seed
from bot.staff import Team
from bot.storage.db import open_database
from tests.console.conftest import login_as, tg, wait_handover
from tests.console.test_console_security import add_conversation
from tests.conversations.conftest import is_response

pytestmark = pytest.mark.rasa
CRISIS = "ik zie het niet meer zitten"


async def test_crisis_goes_first_in_the_queue_and_shows_113(console, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    earlier = await add_conversation(
        db_url, "Landelijk team (demo)", "ik heb een vraag over toeslagen"
    )
    chat = 6400001
    await tg(console, 61, chat, CRISIS)
    rows = await wait_handover(db_url, count=2)
    crisis = rows[-1]
    assert crisis.urgent and crisis.reason == "crisis"
    await telegram.wait_until(
        lambda: any(is_response(m["text"], "utter_crisis_on_top") for m in telegram.sent(chat)),
        lambda: telegram.sent(chat),
    )
    sent = telegram.sent(chat)
    assert "113" in sent[0]["text"]  # the help comes before anything else
    await login_as(console, "landelijk@demo.geldhulp.nl")
    queue = await (await console.get("/console/api/queue")).json()
    assert [row["handover_id"] for row in queue][0] == crisis.id  # waited less, but urgent
    assert queue[1]["id"] == earlier and queue[0]["urgent"] is True


async def test_crisis_out_of_hours_still_shows_113_and_112(gateway, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    telegram, _ = fakes
    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
        async with factory() as s:
            for team in (await s.scalars(select(Team))).all():
                team.opening_hours = {}  # everyone closed
            await s.commit()
    client = await gateway()
    chat = 6400002
    await tg(client, 71, chat, CRISIS)
    (handover,) = await wait_handover(db_url)
    assert handover.out_of_hours and handover.urgent
    await telegram.wait_until(
        lambda: any(is_response(m["text"], "utter_crisis_nobody") for m in telegram.sent(chat)),
        lambda: telegram.sent(chat),
    )
    sent = telegram.sent(chat)
    texts = " ".join(m["text"] for m in sent)
    assert "113" in sent[0]["text"] and "112" in sent[0]["text"]  # the help first
    assert "Er leest nu niemand van" in texts  # and honestly: nobody reads along until …


async def test_out_of_hours_a_crisis_from_the_assistant_reaches_the_24_7_pool(  # type: ignore[no-untyped-def]
    gateway, fakes, db_url
) -> None:
    telegram, _ = fakes
    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
        async with factory() as s:
            for team in (await s.scalars(select(Team))).all():
                if "Crisisdienst" not in team.name:
                    team.opening_hours = {}  # only the 24/7 crisis pool is open
            await s.commit()
    client = await gateway()
    chat = 6400003
    await tg(client, 81, chat, CRISIS)
    (handover,) = await wait_handover(db_url)
    await telegram.wait_until(
        lambda: any(is_response(m["text"], "utter_crisis_pool") for m in telegram.sent(chat)),
        lambda: telegram.sent(chat),
    )
    async with open_database(db_url) as (_e, factory), factory() as s:
        pool = await s.scalar(select(Team).where(Team.name == "Crisisdienst 24/7 (demo)"))
        row = await s.get(type(handover), handover.id)
    assert pool is not None and row.team_id == pool.id and row.crisis_at is not None
    await login_as(client, "crisis@demo.geldhulp.nl")  # the demo login make run prints
    queue = await (await client.get("/console/api/queue")).json()
    assert [r["handover_id"] for r in queue] == [handover.id]
    assert queue[0]["priority_label"] == "Crisis"
