"""The state table of docs/console.md, one test per (state x message kind) cell.

Each cell puts a fresh resident in the state, sends one message through the real gateway
(Telegram webhook -> inbox -> router -> attending -> outbox -> fake Telegram) and checks that
the resident got exactly the answers of the cell (each once), or none when the message reaches
the person (then it is in the transcript), and the state the conversation is in afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.conversations.safety import screen
from bot.conversations.states import Status
from bot.conversations.tables import Conversation
from bot.texts import TextCatalog
from tests.conversations.conftest import CLOSED_CODE, Gateway, Resident, names_of

TEXTS = TextCatalog.load()
KNOWN = set(TEXTS.names())
FORGET_ASK = next(
    n for n in ("utter_forget_me_confirm", "utter_handover_forget_confirm") if n in KNOWN
)
FORGET_DONE = next(n for n in ("utter_forget_me_done", "utter_forget_me") if n in KNOWN)
FORGET_NO = next(
    n for n in ("utter_forget_me_cancelled", "utter_handover_forget_cancelled") if n in KNOWN
)
CRISIS = "ik wil niet meer leven"
# the safety layer screens CRISIS as suicide: the resident gets the answer for that kind
assert screen(CRISIS).crisis and screen(CRISIS).kind == "suicide"
CRISIS_ANSWER = "utter_crisis_suicide"
PERSON = None  # marks "reaches the person": no answer, in the transcript


async def waiting_open(gw: Gateway) -> Resident:
    return await gw.waiting()


async def waiting_closed(gw: Gateway) -> Resident:
    return await gw.waiting(municipality=CLOSED_CODE)


async def waiting_callback(gw: Gateway) -> Resident:
    resident = await gw.waiting(municipality=CLOSED_CODE)
    assert names_of(await resident.say(payload="/contact_me")) == ["utter_handover_consent_yes"]
    return resident


async def after_crisis(gw: Gateway) -> Resident:
    resident = await gw.waiting()
    assert names_of(await resident.say(CRISIS)) == [CRISIS_ANSWER, "utter_crisis_on_top"]
    return resident


async def after_crisis_closed(gw: Gateway) -> Resident:
    resident = await gw.waiting(municipality=CLOSED_CODE)
    assert names_of(await resident.say(CRISIS)) == [CRISIS_ANSWER, "utter_crisis_nobody"]
    return resident


async def with_person(gw: Gateway) -> Resident:
    return await gw.with_person()


STATES: dict[str, Callable[[Gateway], Awaitable[Resident]]] = {
    "waiting_open": waiting_open,
    "waiting_closed": waiting_closed,
    "waiting_callback": waiting_callback,
    "after_crisis": after_crisis,
    "after_crisis_closed": after_crisis_closed,
    "with_person": with_person,
}

# what the resident sends for each kind of message: (text, payload, sticker)
MESSAGES: dict[str, tuple[str | None, str | None, bool]] = {
    "text": ("ik heb ook nog een rekening van de energie liggen", None, False),
    "wait_question": ("Hallo??", None, False),
    "crisis": (CRISIS, None, False),
    "cancel": ("toch niet", None, False),
    "cancel_as_prefix": ("toch niet zo makkelijk, ik heb ook een boete van het cjib", None, False),
    "stop": ("Stop.", None, False),
    "forget": ("Verwijder mijn gegevens!", None, False),
    "who_reads": ("wie leest dit eigenlijk?", None, False),
    "media": (None, None, True),
    "keep_waiting": (None, "/keep_waiting", False),
    "leave_message": (None, "/leave_message", False),
    "contact_me": (None, "/contact_me", False),
    "end_chat": (None, "/end_chat", False),
    "continue_chat": (None, "/continue_chat", False),
    # issue 18: a question, a refusal and a town name in every state (here Rasa is not there,
    # so no question goes to the assistant; test_waiting_not_silence.py has the real Rasa)
    "question": ("waar kan ik hulp krijgen met mijn schulden?", None, False),
    "refusal": ("Nee, nu niet", None, False),
    "town": ("Groningen", None, False),
}

WAITING = Status.WAITING_FOR_HUMAN
COMMON_WAITING: dict[str, tuple[list[str] | None, Status]] = {
    "cancel": (["utter_handover_cancelled"], Status.BOT),
    "stop": (["utter_handover_cancelled"], Status.BOT),
    "end_chat": (["utter_handover_cancelled"], Status.BOT),
    "forget": ([FORGET_ASK], WAITING),
    "who_reads": (["utter_handover_who_reads_waiting"], WAITING),
    "media": (["utter_handover_media"], WAITING),
    "contact_me": (["utter_handover_consent_yes"], WAITING),
}
# (state, kind) -> (answers, state afterwards); None = reaches the person
TABLE: dict[tuple[str, str], tuple[list[str] | None, Status]] = {}
for kind, cell in COMMON_WAITING.items():
    for state in (
        "waiting_open",
        "waiting_closed",
        "waiting_callback",
        "after_crisis",
        "after_crisis_closed",
    ):
        TABLE[(state, kind)] = cell
TABLE.update(
    {
        ("waiting_open", "text"): (["utter_wait_ack"], WAITING),
        ("waiting_open", "wait_question"): (["utter_wait_status"], WAITING),
        ("waiting_open", "crisis"): ([CRISIS_ANSWER, "utter_crisis_on_top"], WAITING),
        ("waiting_open", "cancel_as_prefix"): (["utter_wait_ack"], WAITING),
        ("waiting_open", "keep_waiting"): (["utter_wait_keep"], WAITING),
        ("waiting_open", "continue_chat"): (["utter_wait_keep"], WAITING),
        ("waiting_open", "leave_message"): (
            ["utter_wait_leave_message", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("waiting_closed", "text"): (
            ["utter_wait_ack_closed", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("waiting_closed", "wait_question"): (["utter_wait_status_closed"], WAITING),
        ("waiting_closed", "crisis"): ([CRISIS_ANSWER, "utter_crisis_nobody"], WAITING),
        ("waiting_closed", "cancel_as_prefix"): (
            ["utter_wait_ack_closed", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("waiting_closed", "keep_waiting"): (["utter_wait_status_closed"], WAITING),
        ("waiting_closed", "continue_chat"): (["utter_wait_status_closed"], WAITING),
        ("waiting_closed", "leave_message"): (
            ["utter_wait_leave_message", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("waiting_callback", "text"): (["utter_wait_ack_callback"], WAITING),
        ("waiting_callback", "wait_question"): (["utter_wait_status_closed"], WAITING),
        ("waiting_callback", "crisis"): ([CRISIS_ANSWER, "utter_crisis_nobody"], WAITING),
        ("waiting_callback", "cancel_as_prefix"): (["utter_wait_ack_callback"], WAITING),
        ("waiting_callback", "keep_waiting"): (["utter_wait_status_closed"], WAITING),
        ("waiting_callback", "continue_chat"): (["utter_wait_status_closed"], WAITING),
        ("waiting_callback", "leave_message"): (["utter_wait_leave_message"], WAITING),
        ("after_crisis", "text"): (["utter_wait_ack_crisis"], WAITING),
        ("after_crisis", "wait_question"): (["utter_wait_ack_crisis"], WAITING),
        ("after_crisis", "crisis"): (["utter_crisis_again"], WAITING),
        ("after_crisis", "cancel_as_prefix"): (["utter_wait_ack_crisis"], WAITING),
        ("after_crisis", "keep_waiting"): (["utter_wait_keep"], WAITING),
        ("after_crisis", "continue_chat"): (["utter_wait_keep"], WAITING),
        ("after_crisis", "leave_message"): (
            ["utter_wait_leave_message", "utter_handover_ask_consent"],
            WAITING,
        ),
        # out of hours after the crisis answer: nobody reads now, the help of day and night first
        ("after_crisis_closed", "text"): (
            ["utter_wait_ack_crisis_closed", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("after_crisis_closed", "wait_question"): (["utter_wait_ack_crisis_closed"], WAITING),
        ("after_crisis_closed", "crisis"): (["utter_crisis_again_closed"], WAITING),
        ("after_crisis_closed", "cancel_as_prefix"): (
            ["utter_wait_ack_crisis_closed", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("after_crisis_closed", "keep_waiting"): (["utter_wait_ack_crisis_closed"], WAITING),
        ("after_crisis_closed", "continue_chat"): (["utter_wait_ack_crisis_closed"], WAITING),
        ("after_crisis_closed", "leave_message"): (
            ["utter_wait_leave_message", "utter_handover_ask_consent"],
            WAITING,
        ),
        ("with_person", "text"): (PERSON, Status.WITH_HUMAN),
        ("with_person", "wait_question"): (PERSON, Status.WITH_HUMAN),
        ("with_person", "crisis"): (
            [CRISIS_ANSWER, "utter_crisis_person_reads"],
            Status.WITH_HUMAN,
        ),
        ("with_person", "cancel"): (["utter_handover_stop_confirm"], Status.WITH_HUMAN),
        ("with_person", "cancel_as_prefix"): (PERSON, Status.WITH_HUMAN),
        ("with_person", "stop"): (["utter_handover_stop_confirm"], Status.WITH_HUMAN),
        ("with_person", "end_chat"): (
            ["utter_handover_resident_left", "utter_disclosure_back"],
            Status.BOT,
        ),
        ("with_person", "continue_chat"): (["utter_handover_continue"], Status.WITH_HUMAN),
        ("with_person", "forget"): ([FORGET_ASK], Status.WITH_HUMAN),
        ("with_person", "who_reads"): (["utter_handover_who_reads_person"], Status.WITH_HUMAN),
        ("with_person", "media"): (["utter_handover_media"], Status.WITH_HUMAN),
        ("with_person", "keep_waiting"): (["utter_handover_person_here"], Status.WITH_HUMAN),
        ("with_person", "leave_message"): (["utter_handover_person_here"], Status.WITH_HUMAN),
        ("with_person", "contact_me"): (["utter_handover_person_here"], Status.WITH_HUMAN),
        # a refusal answers what was asked last: out of hours, the question about a callback
        ("waiting_open", "refusal"): (["utter_wait_ack"], WAITING),
        ("waiting_closed", "refusal"): (["utter_handover_consent_no"], WAITING),
        ("waiting_callback", "refusal"): (["utter_wait_ack_callback"], WAITING),
        ("after_crisis", "refusal"): (["utter_wait_ack_crisis"], WAITING),
        ("after_crisis_closed", "refusal"): (["utter_handover_consent_no"], WAITING),
        ("with_person", "refusal"): (PERSON, Status.WITH_HUMAN),
    }
)
# without the assistant, a question and a town name are kept for the person like any text
for _state in STATES:
    for _kind in ("question", "town"):
        TABLE[(_state, _kind)] = TABLE[(_state, "text")]
CELLS = sorted(TABLE)


# one started gateway for the whole module (each test has its own resident): no app start per
# cell; the async tests run in the module's event loop, the gateway's
ON_THE_MODULES_GATEWAY = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def gw(module_gw: Gateway) -> Gateway:
    return module_gw


def test_every_state_has_an_answer_for_every_kind_of_message() -> None:
    assert {(s, k) for s in STATES for k in MESSAGES} == set(TABLE)


@pytest.mark.parametrize(("state", "kind"), CELLS, ids=[f"{s}-{k}" for s, k in CELLS])
@ON_THE_MODULES_GATEWAY
async def test_cell(gw: Gateway, state: str, kind: str) -> None:
    resident = await STATES[state](gw)
    text, payload, sticker = MESSAGES[kind]
    expected, after = TABLE[(state, kind)]
    got = names_of(await resident.say(text, payload=payload, sticker=sticker))
    assert got == (expected or []), f"{state} x {kind}: got {got}"
    assert (await resident.conversation()).status == after
    if expected is PERSON:  # it reaches the person: stored in the transcript for them
        assert (await resident.transcript())[-1].text == text


@pytest.mark.parametrize("state", sorted(STATES))
@ON_THE_MODULES_GATEWAY
async def test_a_second_message_soon_after_is_kept_for_the_person_not_answered_again(
    gw: Gateway, state: str
) -> None:
    resident = await STATES[state](gw)
    await resident.say("ik heb ook een brief van de deurwaarder gekregen")
    again = await resident.say("en de zorgverzekering is ook nog niet betaald")
    assert again == []
    assert (await resident.transcript())[-1].text == "en de zorgverzekering is ook nog niet betaald"


@pytest.mark.parametrize("state", sorted(s for s in STATES if s != "with_person"))
@ON_THE_MODULES_GATEWAY
async def test_no_message_goes_unanswered_twice_in_a_row(gw: Gateway, state: str) -> None:
    """Kept for the person once, then answered again: never two silent turns in a row."""
    resident = await STATES[state](gw)
    assert await resident.say("ik heb ook een brief van de deurwaarder gekregen")
    assert await resident.say("en de zorgverzekering is ook nog niet betaald") == []
    third = names_of(await resident.say("en mijn huur is ook te laat"))
    assert third == ["utter_wait_ack_short"]
    assert await resident.say("en de telefoon ook") == []


@pytest.mark.parametrize("state", sorted(STATES))
@ON_THE_MODULES_GATEWAY
async def test_forget_me_asks_once_then_erases(gw: Gateway, state: str) -> None:
    resident = await STATES[state](gw)
    assert names_of(await resident.say("verwijder mijn gegevens")) == [FORGET_ASK]
    assert names_of(await resident.say(payload="/forget_me_confirm")) == [FORGET_DONE]
    # the retention loop sweeps right after a forget-me commits: the row may already be gone
    async with resident.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
    if conv is not None:
        assert conv.status == Status.CLOSED and conv.identity_id is None and conv.summary is None
    # nothing the resident wrote is left; only our confirmation, until the sweep removes the row
    left = await resident.transcript()
    assert all(m.direction == "out" and names_of([m.text]) == [FORGET_DONE] for m in left)


@pytest.mark.parametrize("state", sorted(STATES))
@ON_THE_MODULES_GATEWAY
async def test_forget_me_can_be_called_off(gw: Gateway, state: str) -> None:
    resident = await STATES[state](gw)
    before = (await resident.conversation()).status
    await resident.say("wis mijn gegevens")
    assert names_of(await resident.say(payload="/forget_me_cancel")) == [FORGET_NO]
    assert (await resident.conversation()).status == before
    assert await resident.transcript()
