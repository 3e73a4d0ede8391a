"""While a resident waits for a person, the assistant still answers what it can answer.

A question the assistant knows (local help, the place named for it, a money topic asked as a
question, a knowledge answer) gets a full Rasa turn; its replies go out without the offers of
a person (one is already on the way), and attending adds one line that the person is still
coming. A story, a thank-you or a wait question ("hallo?", "hoe lang nog") stays with the
person and gets the state table's acknowledgement (bot/conversations/attending.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations.callback_phone import looks_like_number
from bot.conversations.commands import Kind, classify, normalise
from bot.conversations.models import Inbound, Reply
from bot.conversations.rasa import RasaClient, RasaParse, RasaTurn
from bot.conversations.safety import screen
from bot.conversations.tables import Conversation, Message
from bot.errors import RasaUnavailable
from bot.texts import TextCatalog
from bot.topics import TOPIC_INTENTS

CONFIDENCE = 0.5  # the parse must be at least this sure before the assistant answers
# a request for local help, or the place the assistant asked for: answered as they are
LOCAL_HELP_INTENTS = frozenset({"find_local_help", "inform_location", "more_options"})
# a money topic: answered when it is asked as a question (a story waits for the person)
TOPIC_QUESTIONS = frozenset(TOPIC_INTENTS) - {"crisis", "ask_human", "privacy_trust"}
ANSWERABLE_PAYLOADS = frozenset({"/find_local_help", "/more_options", "/inform_location"})
# buttons that would ask for a person again: one is already on the way
PERSON_PAYLOADS = frozenset({"/ask_human", "/choose_counsellor", "/choose_peer"})
# the assistant's offers of a person, dropped while one is on the way
OFFER_RESPONSES = (
    "utter_offer_human",
    "utter_offer_human_urgent",
    "utter_offer_human_complex",
    "utter_offer_human_trust",
    "utter_offer_human_distress",
    "utter_ask_human_intro",
)
QUESTION_WORDS = frozenset(
    {
        "wat",
        "waar",
        "waarom",
        "wanneer",
        "hoe",
        "hoeveel",
        "wie",
        "welke",
        "kan",
        "kun",
        "kunnen",
        "mag",
        "moet",
        "heb",
        "krijg",
        "is",
        "zijn",
        "weet",
        "what",
        "where",
        "how",
        "can",
        "who",
    }
)
ASKS = "asks"  # Message.data key: the assistant's reply asked for this slot


def kept_from_rasa(channel: str, text: str) -> bool:
    """A web-chat message that may be a phone number for a callback never goes to Rasa."""
    return channel == "web" and looks_like_number(text)


def is_question(text: str) -> bool:
    """True when the message asks something ("?" or a Dutch or English question word first)."""
    if "?" in text or "\u061f" in text:  # the Arabic question mark too
        return True
    words = normalise(text).split(" ")
    return bool(words) and words[0] in QUESTION_WORDS


def for_the_assistant(
    inbound: Inbound, kind: Kind, parse: RasaParse | None, *, asking: bool
) -> bool:
    """True when the assistant can answer this message while the resident waits."""
    if kind != Kind.TEXT:
        return False
    payload = (inbound.payload or "").strip()
    if payload.startswith("/"):
        return payload.split("{", 1)[0] in ANSWERABLE_PAYLOADS
    text = inbound.text or ""
    if asking:  # the assistant asked (the place for local help): this is the answer
        return bool(text.strip())
    if parse is None or (parse.confidence or 0.0) < CONFIDENCE:
        return False
    if parse.intent in LOCAL_HELP_INTENTS:
        return True
    return parse.intent in TOPIC_QUESTIONS and is_question(text)


async def answer(
    rasa: RasaClient,
    conversation_id: str,
    channel: str,
    inbound: Inbound,
    text: str,
    parse: RasaParse | None,
    *,
    asking: bool,
    message_id: str,
) -> RasaTurn | None:
    """The assistant's turn for a message typed while waiting, or None when it is not one
    for the assistant (or Rasa is down: then the state table answers it)."""
    source = parse
    screening = (
        screen(text)
        if source is None
        else screen(text, intent=source.intent, confidence=source.confidence, safety=source.safety)
    )
    kind = classify(inbound, screening)
    if kept_from_rasa(channel, text) or not for_the_assistant(inbound, kind, parse, asking=asking):
        return None
    try:
        return await rasa.send(
            conversation_id,
            text,
            {"channel": channel, "waiting_for_person": True},
            message_id=message_id,
        )
    except RasaUnavailable:
        return None


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def offer_texts(texts: TextCatalog) -> frozenset[str]:
    """Every language's text of the assistant's offers of a person."""
    found = set()
    for name in OFFER_RESPONSES:
        if name in texts.names():
            found |= {_plain(str(v.get("text") or "")) for v in texts.variants(name)}
    return frozenset(found - {""})


def without_person_offers(replies: Iterable[Reply], offers: frozenset[str]) -> list[Reply]:
    """The assistant's replies without its offers of a person and without buttons to one."""
    kept = []
    for reply in replies:
        if _plain(reply.text) in offers:
            continue
        buttons = tuple(b for b in reply.buttons if b[1].split("{", 1)[0] not in PERSON_PAYLOADS)
        if reply.text.strip() or buttons:
            kept.append(Reply(reply.text, buttons, reply.author))
    return kept


async def assistant_asking(session: AsyncSession, conv: Conversation) -> bool:
    """True when the last message to the resident was the assistant asking something
    (the place for local help) while they waited."""
    data = await session.scalar(
        select(Message.data)
        .where(Message.conversation_id == conv.id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return bool((data or {}).get(ASKS))
