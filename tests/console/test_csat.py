"""The one optional question after a person closed the chat (CSAT), through the real gateway:
asked after the closing line, the answer kept without content and thanked, never counted
twice, never asked twice in one conversation, not asked after a crisis, and a tap on it starts
no new conversation. Residents on the fake Telegram API; both database backends."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversations import csat
from bot.conversations.keys import WAKEUPS
from bot.conversations.tables import Conversation, ConversationEvent, CsatAnswer, Handover
from bot.staff import StaffUser
from bot.storage.base import utcnow
from tests.conversations.conftest import PASSWORD, Gateway, Resident, names_of
from tests.support.staff_login import login_csrf

SANNE = "sanne@test.geldhulp.nl"


async def close_in_console(gw: Gateway, resident: Resident) -> list[str]:
    """Sanne closes the chat with the console's form; the texts the resident got for it."""
    await resident.settle()
    before = len(resident.received())
    csrf = await login_csrf(gw.client, SANNE, PASSWORD)
    response = await gw.client.post(
        f"/console/c/{resident.conversation_id}/close",
        data={"csrf": csrf, "outcome": "advice_given"},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    gw.client.app[WAKEUPS].outbox.set()
    await resident.settle()
    return resident.received()[before:]


async def answers(gw: Gateway) -> list[CsatAnswer]:
    async with gw.factory() as s:
        return list((await s.scalars(select(CsatAnswer).order_by(CsatAnswer.id))).all())


async def conversations_of(gw: Gateway, resident: Resident) -> int:
    async with gw.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        assert conv is not None
        return int(
            await s.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.identity_id == conv.identity_id)
            )
            or 0
        )


async def test_asked_once_after_a_close_and_the_answer_is_kept_without_content(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.with_person()
    got = await close_in_console(own_gw, resident)
    assert names_of(got) == ["utter_handover_closed", "utter_csat_ask"]
    buttons = own_gw.telegram.sent(resident.chat_id)[-1]["reply_markup"]["inline_keyboard"]
    assert [b[0]["callback_data"] for b in buttons] == ["/csat_good", "/csat_ok", "/csat_bad"]

    thanks = await resident.say(payload="/csat_ok")
    assert names_of(thanks) == ["utter_csat_thanks"]
    rows = await answers(own_gw)
    async with own_gw.factory() as s:
        sanne = await s.scalar(select(StaffUser).where(StaffUser.email == SANNE))
        handover = await s.scalar(
            select(Handover).where(Handover.conversation_id == resident.conversation_id)
        )
    assert sanne is not None and handover is not None
    assert [(r.score, r.team_id, r.staff_id, r.channel) for r in rows] == [
        (2, handover.team_id, sanne.id, "telegram")
    ]
    assert rows[0].answered_on == utcnow().date()
    # the tap belongs to the closed chat: no new conversation with the assistant
    assert await conversations_of(own_gw, resident) == 1
    # a second tap is thanked again but not counted again
    assert names_of(await resident.say(payload="/csat_good")) == ["utter_csat_thanks"]
    assert len(await answers(own_gw)) == 1
    # the answer is not written on the conversation (no score next to the transcript)
    async with own_gw.factory() as s:
        data = (
            await s.scalars(
                select(ConversationEvent.data).where(
                    ConversationEvent.conversation_id == resident.conversation_id,
                    ConversationEvent.name == csat.ANSWERED,
                )
            )
        ).all()
    assert data == [{}]


async def test_never_asked_twice_in_one_conversation(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    await close_in_console(own_gw, resident)
    async with own_gw.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        sanne = await s.scalar(select(StaffUser).where(StaffUser.email == SANNE))
        assert conv is not None and sanne is not None
        identity = await resident.service.identity(s, conv)
        assert identity is not None
        asked = await csat.ask(s, resident.service.presenter, conv, identity, None, sanne.id)
        await s.commit()
    assert asked is False
    texts = names_of(resident.received())
    assert texts.count("utter_csat_ask") == 1


async def test_not_asked_after_a_crisis(own_gw: Gateway) -> None:
    resident = await own_gw.with_person(reason="crisis", crisis_kind="suicide", urgent=True)
    got = await close_in_console(own_gw, resident)
    assert names_of(got) == ["utter_handover_closed"]
    # a stale tap (no question asked) is not an answer: nothing is kept
    assert await answers(own_gw) == []


async def test_not_asked_when_the_chat_goes_back_to_the_assistant(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    csrf = await login_csrf(own_gw.client, SANNE, PASSWORD)
    response = await own_gw.client.post(
        f"/console/c/{resident.conversation_id}/back",
        data={"csrf": csrf},
        allow_redirects=False,
    )
    assert response.status == 302
    own_gw.client.app[WAKEUPS].outbox.set()
    await resident.settle()
    assert "utter_csat_ask" not in names_of(resident.received())
