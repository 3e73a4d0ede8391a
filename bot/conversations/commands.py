"""What a resident's message asks for when a person is on the way or in the chat.

A command ("toch niet", "stop", "verwijder mijn gegevens", "wie leest dit") counts only as the
whole message (normalised: case, accents, punctuation and spaces) or through the NLU intent in
the safety screening; never as the start of a longer sentence. Button payloads are exact.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from bot.conversations.models import MEDIA, Inbound
from bot.conversations.safety import Screening

INTENT_CONFIDENCE = 0.85  # an NLU intent only counts as a command when the parse is this sure


class Kind(StrEnum):
    """The kinds of resident message the state table answers."""

    TEXT = "text"  # anything else: a story, a question, a thank-you
    WAIT_QUESTION = "wait_question"  # "hallo?", "is daar iemand", "hoe lang nog"
    CRISIS = "crisis"  # the safety layer is certain
    POSSIBLE_CRISIS = "possible_crisis"  # the safety layer is not sure
    CANCEL = "cancel"  # "toch niet", "laat maar"
    STOP = "stop"  # "stop"
    FORGET = "forget"  # "verwijder mijn gegevens"
    FORGET_CONFIRM = "forget_confirm"
    FORGET_CANCEL = "forget_cancel"
    WHO_READS = "who_reads"  # "wie leest dit"
    KEEP_WAITING = "keep_waiting"
    LEAVE_MESSAGE = "leave_message"
    CONTACT_ME = "contact_me"
    NO_CONTACT = "no_contact"
    END_CHAT = "end_chat"  # confirmed: stop the chat with the person
    CONTINUE_CHAT = "continue_chat"
    MEDIA = "media"  # a photo, voice message, sticker …
    REFUSE = "refuse"  # "nee, nu niet": a no to what was offered or asked last
    AGREE = "agree"  # "ja": a yes to what was asked last
    CALLBACK_WAY = "callback_way"  # web chat: how the answer of a callback reaches the resident


PAYLOADS = {
    "/cancel_handover": Kind.CANCEL,
    "/stop": Kind.STOP,
    "/forget_me": Kind.FORGET,
    "/forget_me_confirm": Kind.FORGET_CONFIRM,
    "/forget_me_cancel": Kind.FORGET_CANCEL,
    "/privacy_trust": Kind.WHO_READS,
    "/keep_waiting": Kind.KEEP_WAITING,
    "/leave_message": Kind.LEAVE_MESSAGE,
    "/contact_me": Kind.CONTACT_ME,
    "/no_contact": Kind.NO_CONTACT,
    "/end_chat": Kind.END_CHAT,
    "/continue_chat": Kind.CONTINUE_CHAT,
    "/deny": Kind.REFUSE,  # "Nee, nu niet" under an earlier offer of a person
    "/affirm": Kind.AGREE,
    "/callback_link": Kind.CALLBACK_WAY,
    "/callback_none": Kind.CALLBACK_WAY,
    "/callback_phone": Kind.CALLBACK_WAY,
    "/callback_phone_yes": Kind.CALLBACK_WAY,
    "/callback_phone_no": Kind.CALLBACK_WAY,
}

WHOLE_MESSAGES: dict[Kind, frozenset[str]] = {
    Kind.CANCEL: frozenset(
        {
            "toch niet",
            "toch maar niet",
            "laat maar",
            "laat maar zitten",
            "annuleer",
            "annuleren",
            "stop met wachten",
            "ik wil niet meer wachten",
            "niet meer wachten",
            "hoeft niet meer",
            "hoeft al niet meer",
            "nee laat maar",
        }
    ),
    Kind.REFUSE: frozenset(
        {
            "nee",
            "nee nu niet",
            "nu niet",
            "nee dank je",
            "nee dank je wel",
            "nee bedankt",
            "nee hoor",
            "liever niet",
            "nee liever niet",
            "hoeft niet",
            "nee hoeft niet",
            "niet nodig",
            "nee niet nodig",
            "no",
            "no thanks",
            "not now",
        }
    ),
    Kind.AGREE: frozenset(
        {
            "ja",
            "ja graag",
            "ja hoor",
            "ja dat mag",
            "ja prima",
            "ja goed",
            "ok",
            "oke",
            "okay",
            "yes",
        }
    ),
    Kind.STOP: frozenset({"stop", "stoppen", "stop maar", "ik wil stoppen", "klaar", "einde"}),
    Kind.FORGET: frozenset(
        {
            "verwijder mijn gegevens",
            "verwijder al mijn gegevens",
            "wis mijn gegevens",
            "wis al mijn gegevens",
            "verwijder alles",
            "wis alles",
            "verwijder dit gesprek",
            "wis dit gesprek",
            "vergeet mij",
            "vergeet me",
            "ik wil dat je mijn gegevens verwijdert",
        }
    ),
    Kind.WHO_READS: frozenset(
        {
            "wie leest dit",
            "wie leest dit mee",
            "wie leest er mee",
            "wie leest mee",
            "wie kan dit lezen",
            "wie ziet dit",
            "wie ziet dit gesprek",
            "wie leest dit gesprek",
            "wie kan dit zien",
            "wie zijn jullie",
            "met wie praat ik",
        }
    ),
    Kind.WAIT_QUESTION: frozenset(
        {
            "hallo",
            "hallo hallo",
            "hoi",
            "hey",
            "he",
            "iemand",
            "is daar iemand",
            "is er iemand",
            "is er nog iemand",
            "is hier iemand",
            "ben je er nog",
            "ben je er",
            "ben je daar",
            "zijn jullie er nog",
            "zijn jullie er",
            "hoe lang nog",
            "hoelang nog",
            "hoe lang duurt het",
            "hoe lang duurt het nog",
            "hoelang duurt het",
            "hoelang duurt het nog",
            "duurt het nog lang",
            "komt er nog iemand",
            "komt er iemand",
            "wanneer komt er iemand",
            "moet ik nog lang wachten",
            "en nu",
            "nog niemand",
            "hallo is daar iemand",
            "hallo is er iemand",
        }
    ),
}

INTENTS = {
    "cancel_handover": Kind.CANCEL,
    "forget_me": Kind.FORGET,
    "privacy_trust": Kind.WHO_READS,
}

FILLERS = frozenset(
    {"eigenlijk", "allemaal", "precies", "nou", "even", "aub", "alsjeblieft", "graag"}
)
_PUNCTUATION = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation, emoji or filler words ("Toch niet!!" -> "toch niet")."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _PUNCTUATION.sub(" ", text).replace("_", " ")
    return " ".join(w for w in _SPACES.sub(" ", text).strip().split(" ") if w not in FILLERS)


def classify(inbound: Inbound, screening: Screening) -> Kind:
    """The kind of one resident message (crisis first, then buttons, then whole messages)."""
    if screening.crisis:
        return Kind.CRISIS
    payload = (inbound.payload or "").strip()
    if payload.startswith("/"):
        return PAYLOADS.get(payload.split("{", 1)[0], Kind.TEXT)
    if inbound.kind == MEDIA:
        return Kind.MEDIA
    norm = normalise(inbound.text)
    if not norm:  # only punctuation or emoji: "?" asks whether anyone is there
        return Kind.WAIT_QUESTION if "?" in (inbound.text or "") else Kind.TEXT
    for kind, phrases in WHOLE_MESSAGES.items():
        if norm in phrases:
            return kind
    if norm in {p[1:].replace("_", " ") for p in PAYLOADS}:
        return PAYLOADS["/" + norm.replace(" ", "_")]  # a payload typed by hand
    if screening.tier == "possible":
        return Kind.POSSIBLE_CRISIS
    intent = screening.intent or ""
    if intent in INTENTS and (screening.confidence or 0.0) >= INTENT_CONFIDENCE:
        return INTENTS[intent]
    return Kind.TEXT
