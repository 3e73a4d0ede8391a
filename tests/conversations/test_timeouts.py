"""Timeouts and callbacks: nobody takes a waiting chat within the team's time -> the resident is
told and offered a callback or Geldfit, the team lead gets an overdue alert; a person goes
silent -> the chat is offered to the team again; a promised callback goes through the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.conversations.keys import HANDOVER, WAKEUPS
from bot.conversations.states import Status
from bot.conversations.tables import Conversation, Handover, Message
from bot.conversations.timeouts import Timeouts
from bot.staff import StaffAlert, StaffUser, accounts
from bot.staff.team_rules import set_rules
from bot.storage.base import utcnow
from bot.storage.db import open_database
from tests.conversations.conftest import (
    CLOSED_CODE,
    Gateway,
    names_of,
    seed_teams,
    start_gateway,
)


async def push_back(gw: Gateway, conversation_id: str, minutes: int) -> None:
    """Make the request (and the chat's messages) older, as if time had passed."""
    past = utcnow() - timedelta(minutes=minutes)
    async with gw.factory() as s:
        await s.execute(
            update(Handover)
            .where(Handover.conversation_id == conversation_id)
            .values(requested_at=past)
        )
        await s.commit()


async def alert_kinds(session, conversation_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The kinds of the staff alerts raised about this conversation."""
    rows = await session.scalars(select(StaffAlert.kind).where(StaffAlert.ref == conversation_id))
    return list(rows.all())


async def test_nobody_takes_it_in_time_the_resident_is_told_and_the_lead_sees_it(
    db_url, fakes
) -> None:  # type: ignore[no-untyped-def]
    telegram, graph = fakes
    async with open_database(db_url) as (_e, factory):
        await seed_teams(factory)
        client = await start_gateway(db_url, telegram, graph, attend_sweep_seconds=0.1)
        try:
            gw = Gateway(client, telegram, factory)
            resident = await gw.waiting()
            async with factory() as s:
                handover = await resident.handover()
                await set_rules(s, handover.team_id, max_wait_minutes=15)
                await s.commit()
            await push_back(gw, resident.conversation_id, 16)
            await telegram.wait_until(
                lambda: "utter_wait_overdue" in names_of(resident.received()),
                resident.received,
            )
            got = resident.received()
            assert names_of(got).count("utter_wait_overdue") == 1
            assert "0800-8115" in got[-1]  # Geldfit, from shared/data/national_help.yaml
            handover = await resident.handover()
            assert handover.overdue_at is not None and handover.ended_at is None
            async with factory() as s:
                alert = await s.scalar(
                    select(StaffAlert).where(StaffAlert.ref == resident.conversation_id)
                )
            assert alert is not None and (alert.kind, alert.audience) == ("overdue", "team_lead")
            # the next rounds of the loop do not say it again
            timeouts = Timeouts(client.app[HANDOVER])
            assert not await timeouts.run_once(factory)
            assert names_of(await resident.say(payload="/contact_me")) == [
                "utter_handover_consent_yes"
            ]
            handover = await resident.handover()
            assert handover.contact_consent and handover.callback_due_at is not None
        finally:
            await client.close()


async def test_the_clock_only_runs_while_the_team_is_open(own_gw: Gateway) -> None:
    resident = await own_gw.waiting(municipality=CLOSED_CODE)
    await push_back(own_gw, resident.conversation_id, 600)
    report = await Timeouts(own_gw.client.app[HANDOVER]).run_once(own_gw.factory)
    assert not report.overdue
    assert (await resident.handover()).overdue_at is None


async def test_a_silent_person_s_chat_is_offered_to_the_team_again(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    await resident.say("ik heb een brief van de deurwaarder, wat moet ik doen")
    async with own_gw.factory() as s:
        past = utcnow() - timedelta(minutes=11)
        await s.execute(  # the person joined, then the resident wrote, 11 minutes ago
            update(Message)
            .where(Message.conversation_id == resident.conversation_id)
            .values(created_at=past - timedelta(minutes=1))
        )
        await s.execute(
            update(Message)
            .where(
                Message.conversation_id == resident.conversation_id,
                Message.sender_type == "contact",
            )
            .values(created_at=past)
        )
        await s.execute(
            update(Handover)
            .where(Handover.conversation_id == resident.conversation_id)
            .values(assigned_at=past)
        )
        await s.commit()
    timeouts = Timeouts(own_gw.client.app[HANDOVER])
    report = await timeouts.run_once(own_gw.factory)
    assert report.reoffered == 1
    own_gw.client.app[WAKEUPS].outbox.set()
    await resident.settle()
    assert names_of(resident.received())[-1] == "utter_handover_reoffered"
    assert "Sanne" in resident.received()[-1]
    handover = await resident.handover()
    assert handover.assigned_to is None and handover.reoffered_at is not None
    assert (await resident.conversation()).status == Status.WAITING_FOR_HUMAN
    async with own_gw.factory() as s:
        kinds = await alert_kinds(s, resident.conversation_id)
        ahmed = await s.scalar(select(StaffUser).where(StaffUser.email == "ahmed@test.geldhulp.nl"))
    assert list(kinds) == ["reoffered"]
    # a colleague takes it; the story is still there
    assert ahmed is not None
    await own_gw.take(resident, "ahmed@test.geldhulp.nl")
    assert (await resident.conversation()).status == Status.WITH_HUMAN
    assert not (await timeouts.run_once(own_gw.factory)).reoffered


async def test_a_person_who_answered_is_not_silent(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    await resident.say("hoi")
    async with own_gw.factory() as s:
        past = utcnow() - timedelta(minutes=30)
        await s.execute(
            update(Message)
            .where(Message.conversation_id == resident.conversation_id)
            .values(created_at=past)
        )
        conv = await s.get(Conversation, resident.conversation_id)
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == "sanne@test.geldhulp.nl"))
        await resident.service.say(s, conv, staff, "Ik kijk even mee.")
        await s.commit()
    assert not (await Timeouts(own_gw.client.app[HANDOVER]).run_once(own_gw.factory)).reoffered


async def test_a_disabled_person_s_chats_go_back_to_the_team_at_once(own_gw: Gateway) -> None:
    """An operator disables an account while it has a chat: the resident is not left with
    someone who can no longer log in; the next round offers the chat to the team again."""
    resident = await own_gw.with_person()
    await resident.say("dank je, ik wacht even op je antwoord")
    timeouts = Timeouts(own_gw.client.app[HANDOVER])
    assert not (await timeouts.run_once(own_gw.factory)).reoffered  # not silent yet, not disabled
    async with own_gw.factory() as s:
        await accounts.disable(s, email="sanne@test.geldhulp.nl", origin="cli:test")
        await s.commit()
    report = await timeouts.run_once(own_gw.factory)
    assert report.reoffered == 1
    own_gw.client.app[WAKEUPS].outbox.set()
    await resident.settle()
    assert names_of(resident.received())[-1] == "utter_handover_reoffered"
    handover = await resident.handover()
    assert handover.assigned_to is None and handover.ended_at is None
    assert (await resident.conversation()).status == Status.WAITING_FOR_HUMAN
    async with own_gw.factory() as s:
        kinds = await alert_kinds(s, resident.conversation_id)
    assert list(kinds) == ["reoffered"]
    assert not (await timeouts.run_once(own_gw.factory)).reoffered  # once
    await own_gw.take(resident, "ahmed@test.geldhulp.nl")
    assert (await resident.conversation()).status == Status.WITH_HUMAN
