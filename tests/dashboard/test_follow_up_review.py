"""A follow-up answered with its context (actions/follow_up.py) is understood: through the
running gateway and the real Rasa, it counts as the topic just answered and is no question
for the analysts' review."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.analytics.events import EventName
from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.dashboard.test_review_loop import receive_until

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_a_follow_up_is_no_review_question_and_counts_as_its_topic(  # type: ignore[no-untyped-def]
    live_gateway, db_url
) -> None:
    base = f"http://{live_gateway.host}:{live_gateway.port}"
    entry = TextCatalog.load().render("utter_kb_bewind_aanvragen").text.split("\n\n")[0].strip()
    ws = await live_gateway.ws_connect("/chat/ws", headers={"Origin": base})
    await ws.send_json({"type": "hello"})
    await receive_until(ws, lambda d: d["type"] == "welcome")
    await ws.send_json({"type": "message", "id": "m1", "text": "wat is bewindvoering"})
    await receive_until(ws, lambda d: "bewind" in d.get("text", "").lower())
    await ws.send_json({"type": "message", "id": "m2", "text": "hoe vraag je dat aan"})
    # the reply is sent after the turn's records were committed with it
    await receive_until(ws, lambda d: entry in d.get("text", ""))
    await ws.close()
    async with open_database(db_url) as (_e, factory), factory() as s:
        questions = list(await s.scalars(select(UnansweredQuestion)))
        topics = list(
            await s.scalars(
                select(AnalyticsEvent.topic)
                .where(AnalyticsEvent.name == EventName.MESSAGE_RECEIVED.value)
                .order_by(AnalyticsEvent.id)
            )
        )
    assert questions == []
    assert topics == ["budgeting_admin", "budgeting_admin"]
