""" "Verwijder mijn gegevens" through the real trained model and action server: one question
first (what goes, yes/no buttons), erased only on the yes that answers it; money questions about
deleting debts, a BKR registration or a direct debit are never a deletion request."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.texts import TextCatalog
from tests.support.rasa_client import Conversation, custom, payloads, texts

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()
QUESTION = TEXTS.render("utter_forget_me_confirm").text
DONE = TEXTS.render("utter_forget_me_done").text
CANCELLED = TEXTS.render("utter_forget_me_cancelled").text


@pytest.fixture
async def chat(rasa_stack) -> AsyncIterator[Conversation]:  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:
        yield Conversation(session, rasa_stack.rasa_url)


@pytest.fixture
async def parse(rasa_stack):  # type: ignore[no-untyped-def]
    async with aiohttp.ClientSession() as session:

        async def intent(text: str) -> str:
            async with session.post(
                f"{rasa_stack.rasa_url}/model/parse?token={rasa_stack.token}",
                json={"text": text},
                timeout=aiohttp.ClientTimeout(total=60),
            ) as resp:
                return str((await resp.json())["intent"]["name"])

        yield intent


@pytest.mark.parametrize(
    "request_text",
    ["verwijder al mijn gegevens", "kunnen jullie dit gesprek wissen?", "wis mijn chat aub"],
)
async def test_asks_once_before_anything_is_erased(chat: Conversation, request_text: str) -> None:
    await chat.say("ik heb schulden bij de energie")
    replies = await chat.say(request_text)
    assert texts(replies) == QUESTION
    assert payloads(replies) == ["/forget_me_confirm", "/forget_me_cancel"]
    assert custom(replies, "forget_me") is None  # nothing erased yet
    replies = await chat.say("/forget_me_confirm")
    assert DONE in texts(replies)
    assert custom(replies, "forget_me") is True


async def test_no_erases_nothing(chat: Conversation) -> None:
    await chat.say("verwijder mijn gegevens")
    replies = await chat.say("/forget_me_cancel")
    assert texts(replies) == CANCELLED and custom(replies, "forget_me") is None
    replies = await chat.say("/forget_me_confirm")  # the old yes button, pressed later
    assert texts(replies) == QUESTION and custom(replies, "forget_me") is None


async def test_a_typed_yes_after_the_question_erases(chat: Conversation) -> None:
    await chat.say("ik wil dat jullie mijn gegevens verwijderen")
    replies = await chat.say("ja")
    assert custom(replies, "forget_me") is True


async def test_a_yes_out_of_the_blue_asks_first(chat: Conversation) -> None:
    await chat.say("ik heb een huurachterstand")
    replies = await chat.say("/forget_me_confirm")  # a button from an old message
    assert texts(replies) == QUESTION and custom(replies, "forget_me") is None


MONEY_QUESTIONS = [
    "kan ik mijn schulden laten verwijderen?",
    "kan mijn BKR registratie verwijderd worden?",
    "hoe krijg ik mijn bkr codering weg",
    "kan de automatische incasso van de zorgverzekering gestopt worden",
    "kan die schuld bij het cjib kwijtgescholden worden",
]


@pytest.mark.parametrize("question", MONEY_QUESTIONS)
async def test_money_questions_are_not_a_deletion_request(parse, question: str) -> None:  # type: ignore[no-untyped-def]
    assert await parse(question) != "forget_me"


@pytest.mark.parametrize(
    "text", [*MONEY_QUESTIONS, "vergeet het maar", "wissen", "laat maar", "vergeet wat ik zei"]
)
async def test_loose_words_and_money_questions_never_erase(chat: Conversation, text: str) -> None:
    await chat.say("ik heb een schuld bij de gemeente")
    replies = await chat.say(text)
    assert custom(replies, "forget_me") is None
