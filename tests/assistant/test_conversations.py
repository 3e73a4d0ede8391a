"""Conversations through the real trained model and the real action server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.texts import TextCatalog
from bot.yamlfile import parse_yaml
from tests.support.rasa_client import Conversation, custom, payloads, texts

pytestmark = pytest.mark.rasa
CATALOG = TextCatalog.load()
ROOT = Path(__file__).parents[2]


def text_of(name: str) -> str:
    return CATALOG.render(name).text.split("\n\n")[0].strip()


def answers_of(topic: str) -> set[str]:
    """The first bubble of the topic's answer and of each knowledge-base entry of that topic
    (a message that asks one of the entries' questions gets that entry's answer)."""
    names = {f"utter_{topic}"}
    for path in (ROOT / "domain" / "knowledge").glob("*.yml"):
        responses = parse_yaml(path.read_text(encoding="utf-8"))["responses"]
        names |= {n for n, v in responses.items() if v[0]["metadata"]["topic"] == topic}
    return {text_of(name) for name in names}


@pytest.fixture
async def chat(rasa_stack) -> AsyncIterator[Conversation]:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:
        yield Conversation(session, rasa_stack.rasa_url)


async def test_a_topic_gets_an_answer_and_three_choices(chat: Conversation) -> None:
    replies = await chat.say("ik heb een huurachterstand van twee maanden")
    assert any(answer in texts(replies) for answer in answers_of("rent_housing")), replies
    assert payloads(replies) == ["/find_local_help", "/ask_human", "/something_else"]


async def test_crisis_mid_conversation_gets_113_first_and_a_handover(chat: Conversation) -> None:
    await chat.say("ik kan mijn energierekening niet betalen")
    replies = await chat.say("ik wil niet meer leven")
    first = replies[0]["text"]
    assert "113" in first and "0800-0113" in first and "112" in texts(replies)
    handover = custom(replies, "handover")
    assert handover and handover["reason"] == "crisis" and handover["urgent"] is True
    assert handover["summary"]["topics"] == ["energy_water"]
    # the topic's answer, or the knowledge base's answer to that energy question
    (told,) = handover["summary"]["told"]
    assert told == "utter_energy_water" or told.startswith("utter_kb_energie_"), told
    assert "find_local_help" in handover["summary"]["suggested"]


async def test_asking_for_a_person_lets_the_resident_choose(chat: Conversation) -> None:
    replies = await chat.say("ik wil een mens spreken")
    assert "/choose_peer" in payloads(replies) and "/choose_counsellor" in payloads(replies)
    assert custom(replies, "handover") is None  # an offer, not a handover
    replies = await chat.say("/choose_peer")
    handover = custom(replies, "handover")
    assert handover == {**handover, "kind": "peer", "reason": "asked", "urgent": False}


async def test_gibberish_twice_offers_a_person(chat: Conversation) -> None:
    first = await chat.say("kjhkjh sdfsdf")
    assert custom(first, "handover") is None and "/choose_peer" not in payloads(first)
    second = await chat.say("qwerty zzz")
    assert "/choose_peer" in payloads(second)
    handover = custom(await chat.say("/choose_counsellor"), "handover")
    assert handover["reason"] == "bot_failed"


async def test_the_bot_never_asks_for_a_name_or_bsn(chat: Conversation) -> None:
    replies = []
    for text in ("hallo", "ik heb schulden", "/find_local_help"):
        replies += await chat.say(text)
    asked = texts(replies).lower()
    assert "wat is je naam" not in asked and "bsn?" not in asked
    assert "naam en adres heb ik niet nodig" in asked


async def test_who_reads_this_gets_an_honest_answer(chat: Conversation) -> None:
    replies = await chat.say("wie leest dit mee")
    answer = texts(replies)
    assert "computerprogramma" in answer and "Belastingdienst" in answer
    assert "We bewaren het gesprek 90 dagen." in answer  # the retention the purge applies
    assert "/choose_counsellor" in payloads(replies)  # a person is offered, not forced
    assert custom(replies, "handover") is None


async def test_forget_me_asks_once_then_asks_the_gateway_to_delete(chat: Conversation) -> None:
    # product change: the request gets one question first; only the yes asks the gateway to erase
    await chat.say("ik heb schulden")
    replies = await chat.say("verwijder al mijn gegevens")
    assert text_of("utter_forget_me_confirm") in texts(replies)
    assert payloads(replies) == ["/forget_me_confirm", "/forget_me_cancel"]
    assert custom(replies, "forget_me") is None
    replies = await chat.say("/forget_me_confirm")
    assert text_of("utter_forget_me_done") in texts(replies)
    assert custom(replies, "forget_me") is True


async def test_a_yes_out_of_the_blue_erases_nothing(chat: Conversation) -> None:
    await chat.say("ik heb schulden")
    replies = await chat.say("/forget_me_confirm")
    assert custom(replies, "forget_me") is None
    assert text_of("utter_forget_me_confirm") in texts(replies)


async def test_no_to_the_question_erases_nothing(chat: Conversation) -> None:
    await chat.say("verwijder al mijn gegevens")
    replies = await chat.say("/forget_me_cancel")
    assert custom(replies, "forget_me") is None
    assert text_of("utter_forget_me_cancelled") in texts(replies)


async def test_not_understood_once_offers_choices_not_a_guess(chat: Conversation) -> None:
    replies = await chat.say("kjhkjh sdfsdf")
    assert "/find_local_help" in payloads(replies) and "/ask_human" in payloads(replies)
    assert not any(name in texts(replies) for name in (text_of("utter_debt_help"),))


async def test_a_follow_up_without_its_subject_gets_the_entry_of_the_topic_just_answered(
    chat: Conversation,
) -> None:
    # actions/follow_up.py: "hoe vraag je dat aan" alone names no topic
    await chat.say("wat is bewindvoering")
    replies = await chat.say("hoe vraag je dat aan")
    assert text_of("utter_kb_bewind_aanvragen") in texts(replies)
    assert custom(replies, "follow_up") == {"topic": "budgeting_admin"}
    assert text_of("utter_kb_unsure") not in texts(replies)
    assert text_of("utter_fallback") not in texts(replies)


async def test_a_question_off_the_subject_after_a_topic_answer_is_no_follow_up(
    chat: Conversation,
) -> None:
    await chat.say("ik heb een brief van een incassobureau")
    replies = await chat.say("welk weer wordt het morgen")
    assert text_of("utter_out_of_scope") in texts(replies)
    assert custom(replies, "follow_up") is None
    assert not any(
        text_of(f"utter_kb_{entry}") in texts(replies)
        for entry in ("incasso_hoeveel", "incasso_bureau_wat", "incasso_niet_kloppen")
    )
