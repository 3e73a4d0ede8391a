"""Crisis first, around the clock: while waiting or with a person the crisis answer comes at once,
the chat becomes urgent and goes to the top, the team (or the person) gets a crisis alert; out
of hours it goes to a 24/7 crisis pool, or, without one, the resident hears honestly that nobody
reads along until the team is back, and when."""

from __future__ import annotations

from sqlalchemy import select

from bot import schema
from bot.conversations.erasure import Erasure
from bot.conversations.forget_me import ForgetMe
from bot.conversations.presenter import Presenter
from bot.conversations.safety import screen
from bot.conversations.states import Status
from bot.conversations.tables import Handover
from bot.staff import StaffAlert, Team
from bot.texts import TextCatalog
from tests.conversations.conftest import CLOSED_CODE, Gateway, add_crisis_pool, names_of

TEXTS = TextCatalog.load()
CRISIS = "ik zie het echt niet meer zitten, ik wil dood"
# the safety layer screens CRISIS as suicide: the resident gets the answer for that kind
assert screen(CRISIS).crisis and screen(CRISIS).kind == "suicide"
CRISIS_ANSWER = "utter_crisis_suicide"


async def alerts(gw: Gateway, ref: str) -> list[StaffAlert]:
    async with gw.factory() as s:
        return list((await s.scalars(select(StaffAlert).where(StaffAlert.ref == ref))).all())


async def test_out_of_hours_a_crisis_goes_to_the_24_7_pool(own_gw: Gateway) -> None:
    pool_id = await add_crisis_pool(own_gw.factory)
    resident = await own_gw.waiting(municipality=CLOSED_CODE)
    before = await resident.handover()
    assert before.team_id != pool_id and before.out_of_hours
    got = await resident.say(CRISIS)
    assert names_of(got) == [CRISIS_ANSWER, "utter_crisis_pool"]
    assert "Crisisdienst (test)" in got[1] and "Dicht team (test)" in got[1]
    handover = await resident.handover()
    assert handover.team_id == pool_id and not handover.out_of_hours
    assert handover.urgent and handover.crisis_at is not None and handover.crisis_kind
    assert {(a.kind, a.team_id) for a in await alerts(own_gw, resident.conversation_id)} >= {
        ("crisis", pool_id)
    }
    assert (await resident.conversation()).summary["crisis"]


async def test_out_of_hours_without_a_pool_113_first_and_when_the_team_is_back(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.waiting(municipality=CLOSED_CODE)
    got = await resident.say(CRISIS)
    assert names_of(got) == [CRISIS_ANSWER, "utter_crisis_nobody"]
    assert got[0] == TEXTS.render(CRISIS_ANSWER).text  # 113's phone and chat come first
    assert "113" in got[0] and "Dicht team (test)" in got[1]
    assert " om 09:00 uur" in got[1]  # the moment the team is back
    handover = await resident.handover()
    async with own_gw.factory() as s:
        closed = await s.scalar(select(Team.id).where(Team.name == "Dicht team (test)"))
    assert handover.team_id == closed and handover.urgent and handover.crisis_at is not None
    assert [a.kind for a in await alerts(own_gw, resident.conversation_id)] == ["crisis"]


async def test_a_closed_pool_is_not_used(own_gw: Gateway) -> None:
    await add_crisis_pool(own_gw.factory, open_now=False)
    resident = await own_gw.waiting(municipality=CLOSED_CODE)
    assert names_of(await resident.say(CRISIS)) == [CRISIS_ANSWER, "utter_crisis_nobody"]


async def test_the_assistants_crisis_handover_out_of_hours_goes_to_the_pool(
    own_gw: Gateway,
) -> None:
    pool_id = await add_crisis_pool(own_gw.factory)
    resident = await own_gw.waiting(
        municipality=CLOSED_CODE, kind=None, reason="crisis", urgent=True, story=CRISIS
    )
    assert names_of(resident.received()) == ["utter_crisis_pool"]
    handover = await resident.handover()
    assert handover.team_id == pool_id and handover.crisis_at is not None


async def test_the_assistants_crisis_handover_without_pool_says_nobody_reads_until(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.waiting(
        municipality=CLOSED_CODE, kind=None, reason="crisis", urgent=True, story=CRISIS
    )
    assert names_of(resident.received()) == ["utter_crisis_nobody", "utter_handover_ask_consent"]


async def test_a_crisis_while_waiting_moves_the_chat_above_older_urgent_ones(
    own_gw: Gateway,
) -> None:
    older_urgent = await own_gw.waiting(urgent=True, summary={"urgency_flags": ["eviction"]})
    older = await own_gw.waiting()
    resident = await own_gw.waiting()
    await resident.say(CRISIS)
    from bot.conversations.waiting import place_in_line, queue_order

    async with own_gw.factory() as s:
        order = (
            await s.scalars(
                select(Handover.conversation_id)
                .where(Handover.ended_at.is_(None))
                .order_by(*queue_order())
            )
        ).all()
        mine = await s.scalar(
            select(Handover).where(Handover.conversation_id == resident.conversation_id)
        )
        assert mine is not None and await place_in_line(s, mine) == 1
    assert order == [
        resident.conversation_id,
        older_urgent.conversation_id,
        older.conversation_id,
    ]


async def test_a_crisis_with_a_person_alerts_that_person_s_team(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    got = await resident.say(CRISIS)
    assert names_of(got) == [CRISIS_ANSWER, "utter_crisis_person_reads"]
    assert "Sanne" in got[1]
    handover = await resident.handover()
    assert handover.urgent and handover.crisis_at is not None and handover.assigned_to
    assert [a.kind for a in await alerts(own_gw, resident.conversation_id)] == ["crisis"]
    assert (await resident.conversation()).status == Status.WITH_HUMAN
    flagged = (await resident.transcript())[-3]  # the resident's message, before both answers
    assert flagged.text == CRISIS and flagged.data["screening"]["tier"] == "certain"


async def test_a_crisis_again_while_a_person_has_the_chat_keeps_the_assistant_quiet(
    own_gw: Gateway,
) -> None:
    """The crisis answer came when the chat was waiting; once a person has it, a second crisis
    message within 15 minutes reaches that person (alerted again), and the assistant does not
    interject "je gesprek staat bovenaan" (issue 18)."""
    resident = await own_gw.waiting(reason="crisis", crisis_kind="suicide", urgent=True)
    assert names_of(await resident.say(CRISIS))[0] == "utter_crisis_again"  # still waiting
    await own_gw.take(resident, "sanne@test.geldhulp.nl")
    before = len(await alerts(own_gw, resident.conversation_id))
    got = await resident.say(CRISIS)
    assert got == [], names_of(got)
    assert (await resident.transcript())[-1].text == CRISIS  # it is there for the person
    assert len(await alerts(own_gw, resident.conversation_id)) == before + 1
    assert (await resident.conversation()).status == Status.WITH_HUMAN


KINDS = ["suicide", "violence", "loan_shark", "homeless", "no_food"]


async def crisis_reply_for(gw: Gateway, texts: TextCatalog, kind: str) -> list[str]:
    """Run attending on one crisis message of ``kind`` with ``texts``; the replies it queued."""
    from bot.conversations.attending import Attending
    from bot.conversations.models import Inbound
    from bot.conversations.safety import Screening
    from bot.conversations.tables import ChannelIdentity, Conversation, Message

    resident = await gw.waiting()
    async with gw.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        assert conv is not None and conv.identity_id is not None
        identity = await s.get(ChannelIdentity, conv.identity_id)
        assert identity is not None
        before = len((await s.scalars(select(Message.id))).all())
        key = "test-pseudonym-key"
        forget_me = ForgetMe(Erasure(schema.metadata()), key)
        attending = Attending(Presenter(texts), key, resident.service, forget_me)
        inbound = Inbound("telegram", "x", "s", identity.address, text="...")
        await attending.handle(s, conv, identity, inbound, Screening("certain", kind))
        await s.flush()
        rows = (await s.scalars(select(Message).order_by(Message.id))).all()[before:]
        texts_sent = [m.text for m in rows]
        await s.rollback()  # only looked: the resident gets nothing from this test
    return texts_sent


async def test_each_crisis_kind_gets_its_own_answer_when_safety_wrote_one(own_gw: Gateway) -> None:
    base = TextCatalog.load()
    responses = {n: base.variants(n) for n in base.names()}
    for kind in KINDS:
        name = f"utter_crisis_{kind}"
        texts = base
        if name not in responses:  # not written yet: show that attending picks it once it is
            texts = TextCatalog({**responses, name: [{"text": f"Antwoord voor {kind}."}]})
        expected = texts.render(name).text
        got = await crisis_reply_for(own_gw, texts, kind)
        assert got[0] == expected, kind


async def test_without_a_text_for_the_kind_the_general_crisis_answer_comes(
    own_gw: Gateway,
) -> None:
    kinds = {f"utter_crisis_{k}" for k in KINDS}
    texts = TextCatalog({n: TEXTS.variants(n) for n in TEXTS.names() if n not in kinds})
    got = await crisis_reply_for(own_gw, texts, "violence")
    assert got[0] == TEXTS.render("utter_crisis").text


async def test_the_assistants_crisis_kind_stays_with_the_chat(own_gw: Gateway) -> None:
    resident = await own_gw.waiting(
        kind=None, reason="crisis", urgent=True, story=CRISIS, crisis_kind="suicide"
    )
    handover = await resident.handover()
    assert handover.crisis_kind == "suicide"
    assert (await resident.conversation()).summary["crisis"] == ["suicide"]
    # the assistant's crisis answer just came: a second one soon after is the short line
    assert names_of(await resident.say(CRISIS)) == ["utter_crisis_again"]
