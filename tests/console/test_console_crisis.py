"""Crisis through the real gateway and Rasa: 113/112 always, urgent first in the queue, also out of hours."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.demo.team import seed
from bot.staff import Team
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.console.conftest import login_as, tg, wait_handover
from tests.console.test_console_security import add_conversation

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()
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
        lambda: any(
            m["text"] == TEXTS.render("utter_handover_crisis_reminder").text
            for m in telegram.sent(chat)
        ),
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
        lambda: any(
            m["text"] == TEXTS.render("utter_handover_crisis_reminder").text
            for m in telegram.sent(chat)
        ),
        lambda: telegram.sent(chat),
    )
    sent = telegram.sent(chat)
    texts = " ".join(m["text"] for m in sent)
    assert "113" in texts and "112" in texts and "Er is nu niemand" in texts
