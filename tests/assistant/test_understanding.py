"""Odd, English and out-of-scope messages through the real trained model and action server.

Issue 10: a plea gets a next step (never a goodbye), English an honest English answer (never
"Dat kan." and Dutch), an out-of-scope question the right place and no money answer, an old
button "die keuze is er niet meer", and the location question steps out kindly for anything
that is no place.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.texts import TextCatalog
from tests.support.rasa_client import Conversation, custom, payloads, texts

pytestmark = pytest.mark.rasa
CATALOG = TextCatalog.load()
TOPIC_ANSWERS = [
    "utter_debt_help",
    "utter_payment_arrears",
    "utter_rent_housing",
    "utter_energy_water",
    "utter_health_insurance",
    "utter_debt_collector",
    "utter_benefits_toeslagen",
    "utter_income_support",
    "utter_food_basic_needs",
    "utter_budgeting_admin",
    "utter_tax_government_debt",
    "utter_work_future",
]


def text_of(name: str) -> str:
    return CATALOG.render(name).text.split("\n\n")[0].strip()


def no_money_answer(replies: list[dict]) -> bool:
    said = texts(replies)
    return not any(text_of(name) in said for name in TOPIC_ANSWERS)


@pytest.fixture
async def chat(rasa_stack) -> AsyncIterator[Conversation]:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:
        yield Conversation(session, rasa_stack.rasa_url)


async def test_a_plea_for_the_next_step_is_no_goodbye(chat: Conversation) -> None:
    await chat.say("ik heb een huurachterstand")
    replies = await chat.say("wat moet ik nu doen??")
    assert text_of("utter_goodbye") not in texts(replies)
    assert text_of("utter_next_step_after_topic") in texts(replies)
    assert "/ask_human" in payloads(replies)


async def test_a_deposit_dispute_points_to_het_juridisch_loket(chat: Conversation) -> None:
    replies = await chat.say("mijn vorige verhuurder wil mijn borg niet teruggeven")
    assert "Juridisch Loket" in texts(replies) and no_money_answer(replies)
    replies = await chat.say("en mijn baas heeft mijn laatste loonstrook nooit uitbetaald")
    assert "Juridisch Loket" in texts(replies) and no_money_answer(replies)
    assert "/choose_peer" not in payloads(replies)  # understood twice: no "I don't get you"


async def test_a_digid_question_points_to_the_municipality(chat: Conversation) -> None:
    replies = await chat.say("ik kan mijn digid code niet meer vinden")
    assert "gemeente" in texts(replies) and no_money_answer(replies)


async def test_an_old_button_is_not_acted_on(chat: Conversation) -> None:
    first = await chat.say("ik heb schulden")
    replies = await chat.say("/kies_huurhulp_2023")
    assert texts(replies).startswith(text_of("utter_choice_gone"))
    assert payloads(replies) == payloads(first)[-3:]
    assert custom(replies, "handover") is None


async def test_an_emotional_message_is_acknowledged(chat: Conversation) -> None:
    replies = await chat.say("😭")
    assert text_of("utter_feeling") in texts(replies)
    assert "/ask_human" in payloads(replies)


async def test_location_question_steps_out_on_emoji_and_signature(chat: Conversation) -> None:
    await chat.say("waar kan ik hulp krijgen in de buurt")
    replies = await chat.say("😢")
    assert text_of("utter_feeling") in texts(replies)
    assert text_of("utter_location_unknown") not in texts(replies)
    await chat.say("welke hulp is er bij mij in de buurt")
    replies = await chat.say("groetjes, Anja")
    assert text_of("utter_location_unknown") not in texts(replies)
    assert text_of("utter_location_national") not in texts(replies)


async def test_location_question_explains_then_takes_the_place(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    replies = await chat.say("??")
    assert text_of("utter_location_why") in texts(replies)
    replies = await chat.say("Assen")
    assert "Assen" in texts(replies)


async def test_location_question_stops_on_laat_maar(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    replies = await chat.say("laat maar")
    assert text_of("utter_location_stopped") in texts(replies)
    replies = await chat.say("ik heb een brief van het cjib")
    assert text_of("utter_tax_government_debt") in texts(replies)


async def test_location_question_answers_a_money_question(chat: Conversation) -> None:
    await chat.say("/find_local_help")
    replies = await chat.say("ik heb ook nog een achterstand bij mijn zorgverzekering")
    assert text_of("utter_health_insurance") in texts(replies)
    assert text_of("utter_location_unknown") not in texts(replies)
