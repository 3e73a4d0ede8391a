"""After the crisis answer: the local route for a night's sleep, and a line about money.

Real trackers, the real directory imported into a real database (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.resources as resources
from actions.handover import ActionHandover
from actions.safety import (
    FINANCIAL_ABUSE_MORE,
    HOMELESS_MUNICIPALITY,
    HOMELESS_SERVICE,
    ActionCrisisKind,
    crisis_followup,
    homeless_route,
)
from bot.directory import repository
from bot.directory.tables import HelpService
from bot.storage.db import create_engine, open_database, session_factory
from bot.texts import TextCatalog

DEN_HAAG, OLDAMBT = "GM0518", "GM1895"  # a sourced general number; none in the directory


@pytest.fixture
async def action_db(db_url: str) -> AsyncIterator[Any]:
    """The reference directory in a fresh database, used by the action server's resources."""
    async with open_database(db_url) as (_engine, factory):
        async with factory() as session:
            await repository.import_reference(session)
            await session.commit()
        engine = create_engine(db_url)
        resources._factory = session_factory(engine)
        yield factory
        resources._factory = None
        await engine.dispose()


def tracker(text: str, safety: dict[str, Any], slots: dict[str, Any] | None = None) -> Tracker:
    parse = {"intent": {"name": "crisis", "confidence": 1.0}, "text": text, "safety": safety}
    return Tracker(
        sender_id="t",
        slots={"requested_slot": None, **(slots or {})},
        latest_message=parse,
        events=[{"event": "user", "text": text, "parse_data": parse}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


HOMELESS = {"tier": "certain", "kind": "homeless", "distress": True}
MONEY = {"tier": "certain", "kind": "financial_abuse", "distress": True}


async def test_the_municipality_number_for_a_night_when_the_directory_has_it(
    action_db: Any,
) -> None:
    dispatcher = CollectingDispatcher()
    assert await homeless_route(dispatcher, DEN_HAAG)
    [message] = dispatcher.messages
    assert message["response"] == HOMELESS_MUNICIPALITY
    assert message["phone"] == "14070" and message["municipality_name"] == "'s-Gravenhage"
    text = TextCatalog.load().render(HOMELESS_MUNICIPALITY, **message).text
    assert "14070" in text and "slapen" in text


async def test_no_number_is_made_up(action_db: Any) -> None:
    dispatcher = CollectingDispatcher()
    assert not await homeless_route(dispatcher, OLDAMBT)
    assert not await homeless_route(dispatcher, None)
    assert dispatcher.messages == []


async def test_a_local_night_shelter_comes_before_the_general_number(action_db: Any) -> None:
    async with action_db() as session:
        session.add(
            HelpService(
                id="nachtopvang_test",
                name="Nachtopvang De Haven",
                description="Een slaapplek voor één nacht als je nergens heen kunt.",
                categories=["crisis"],
                scope="municipality",
                municipalities=[DEN_HAAG],
                phone="070-0000000",
                owner=DEN_HAAG,
            )
        )
        await session.commit()
    dispatcher = CollectingDispatcher()
    assert await homeless_route(dispatcher, DEN_HAAG)
    [message] = dispatcher.messages
    assert message["response"] == HOMELESS_SERVICE
    assert message["name"] == "Nachtopvang De Haven" and message["how"] == "070-0000000"


async def test_the_handover_adds_the_route_after_the_crisis_answer(action_db: Any) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker("we slapen vannacht buiten", HOMELESS, {"municipality_code": DEN_HAAG})
    await ActionHandover().run(dispatcher, t, {})
    responses = [m.get("response") for m in dispatcher.messages]
    assert responses[:2] == [HOMELESS_MUNICIPALITY, "utter_handover_crisis"]
    handover = dispatcher.messages[-1]["custom"]["handover"]
    assert handover["reason"] == "crisis" and handover["urgent"] is True
    assert handover["crisis_kind"] == "homeless"


async def test_financial_abuse_gets_the_violence_answer_and_a_line_about_money() -> None:
    t = tracker("mijn man houdt mijn pinpas en ik krijg geen cent", MONEY)
    kind = await ActionCrisisKind().run(CollectingDispatcher(), t, {})
    assert kind[0]["value"] == "violence"  # utter_crisis: Veilig Thuis, also for money taken
    dispatcher = CollectingDispatcher()
    await crisis_followup(dispatcher, t)
    assert [m["response"] for m in dispatcher.messages] == [FINANCIAL_ABUSE_MORE]
    text = TextCatalog.load().render("utter_crisis_financial_abuse").text
    assert "Veilig Thuis" in text and "0800-2000" in text and "112" in text
