"""Urgency: a bailiff, an eviction or cut-off with a date, a summons, no food today; fear without
a date is not urgent but a distressed resident is still offered a person (issue 17)."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handover import ActionHandover
from actions.topics import ActionAnswerTopic
from actions.urgency import (
    BAILIFF,
    CUTOFF,
    DISTRESS_OFFER,
    EVICTION,
    NO_FOOD,
    URGENT_OFFER,
    detect_urgency,
    person_offer,
)
from bot.conversations.deadlines import first_contact


@pytest.mark.parametrize(
    "text,flags",
    [
        ("ik heb een brief van de deurwaarder, drie maanden huurachterstand", [BAILIFF]),
        ("de deurwaarder komt morgen mijn spullen ophalen", [BAILIFF]),
        ("ze gaan beslag leggen op mijn inboedel", [BAILIFF]),
        ("gisteren kreeg ik een exploot in de bus", [BAILIFF]),
        ("ik ben gedagvaard door de energieleverancier", [BAILIFF]),
        ("de woningcorporatie heeft me gedagvaard voor de huur", [BAILIFF, EVICTION]),
        ("we worden op 3 april ontruimd", [EVICTION]),
        ("volgende week moeten we het huis uit", [EVICTION]),
        ("de verhuurder heeft de sloten vervangen", [EVICTION]),
        ("ons gas is afgesloten", [CUTOFF]),
        ("vrijdag wordt de stroom afgesloten", [CUTOFF]),
        ("we zitten zonder water", [CUTOFF]),
        ("mijn kinderen hebben honger en er is niks te eten", [NO_FOOD]),
        ("a bailiff came to my door today", [BAILIFF]),
        ("ik heb een brief van de deurwaarder gekregen", [BAILIFF]),
        ("de deurwaarder staat aan de deur", [BAILIFF]),
        ("er ligt beslag op mijn loon", [BAILIFF]),
        ("sinds vorige maand heb ik loonbeslag", [BAILIFF]),
        ("morgen wordt mijn stroom afgesloten", [CUTOFF]),
        ("de koelkast is leeg en de kinderen hebben honger", [NO_FOOD]),
    ],
)
def test_urgent_with_a_date_or_now(text: str, flags: list[str]) -> None:
    assert detect_urgency(text) == flags


@pytest.mark.parametrize(
    "text",
    [
        "ik ben bang dat we uit ons huis moeten",
        "ik ben zo bang dat de stroom wordt afgesloten",
        "wat doet een deurwaarder eigenlijk?",
        "wat houdt een dagvaarding in?",
        "wat is de beslagvrije voet",
        "wat is loonbeslag eigenlijk",
        "ze willen me uit mijn huis zetten",
        "ik heb een achterstand bij de zorgverzekering",
        "ik heb een lening afgesloten bij de bank",
        "ik heb geen geld voor boodschappen deze maand",
        "/choose_peer",
        "",
    ],
)
def test_fear_general_questions_and_money_talk_are_not_urgent(text: str) -> None:
    assert detect_urgency(text) == []


def test_a_person_is_offered_for_urgency_and_for_distress_once() -> None:
    assert person_offer("de deurwaarder komt morgen", []) == URGENT_OFFER
    assert person_offer("de deurwaarder komt morgen", [URGENT_OFFER]) is None
    fear = "ik ben zo bang dat we met de kinderen op straat komen te staan"
    assert detect_urgency(fear) == []
    assert person_offer(fear, []) == DISTRESS_OFFER
    assert person_offer(fear, [DISTRESS_OFFER]) is None
    assert person_offer("hoe vraag ik huurtoeslag aan", []) is None
    # a crisis tier brings its own answer and offer
    assert person_offer("ik wil dood", []) is None


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None) -> Tracker:
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
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


async def test_a_bailiff_letter_offers_a_person_right_after_the_answer() -> None:
    dispatcher = CollectingDispatcher()
    text = "ik heb een brief van de deurwaarder, we hebben drie maanden huurachterstand"
    events = await ActionAnswerTopic().run(dispatcher, tracker(text, "debt_collector"), {})
    responses = [m["response"] for m in dispatcher.messages]
    assert responses == ["utter_debt_collector", "utter_offer_human_urgent", "utter_offer_human"]
    flags = next(e["value"] for e in events if e.get("name") == "urgency_flags")
    assert flags == [BAILIFF]


async def test_fear_of_eviction_with_children_gets_a_person_not_the_113_line() -> None:
    dispatcher = CollectingDispatcher()
    text = "ik ben zo bang dat we met de kinderen ons huis kwijtraken"
    await ActionAnswerTopic().run(dispatcher, tracker(text, "rent_housing"), {})
    responses = [m["response"] for m in dispatcher.messages]
    assert "utter_crisis_possible" not in responses
    assert responses == ["utter_rent_housing", "utter_offer_human_distress", "utter_offer_human"]


async def test_the_handover_of_an_urgent_conversation_is_urgent_with_a_3_day_deadline() -> None:
    dispatcher = CollectingDispatcher()
    text = "de woningcorporatie heeft ons gedagvaard, de zitting is volgende week"
    await ActionHandover().run(dispatcher, tracker(text, "choose_counsellor"), {})
    handover = dispatcher.messages[-1]["custom"]["handover"]
    assert handover["urgent"] is True
    assert EVICTION in handover["summary"]["urgency_flags"]
    from datetime import UTC, datetime

    assert (
        first_contact(
            datetime(2026, 12, 7, 9, tzinfo=UTC), handover["summary"]["urgency_flags"]
        ).rule
        == "threatening"
    )
