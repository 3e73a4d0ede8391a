"""Console actions: the chat limit per person, transfer to a colleague or the other kind,
ready-made replies, and consent to be contacted after hours."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console.tables import QuickReply
from bot.conversations.handover import HandoverError, HandoverService
from bot.conversations.presenter import Audience, Presenter
from bot.conversations.tables import Conversation, Handover, Message
from bot.demo.team import seed
from bot.staff import StaffUser, Team
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.console.conftest import login_as, tg, wait_handover
from tests.console.test_console_security import add_conversation

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()


async def test_a_person_cannot_take_more_than_their_maximum(db_url) -> None:  # type: ignore[no-untyped-def]
    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
    ids = [await add_conversation(db_url, "Landelijk team (demo)", f"vraag {i}") for i in range(4)]
    service = HandoverService(Presenter(TEXTS), "k")
    async with open_database(db_url) as (_e, factory), factory() as s:
        staff = await s.scalar(
            select(StaffUser).where(StaffUser.email == "landelijk@demo.geldhulp.nl")
        )
        handovers = (
            await s.scalars(select(Handover).where(Handover.conversation_id.in_(ids)))
        ).all()
        for handover in handovers[: staff.max_chats]:
            await service.take(s, handover.id, staff)
        with pytest.raises(HandoverError):
            await service.take(s, handovers[staff.max_chats].id, staff)


async def test_transfer_to_a_colleague_and_to_the_other_kind(console, db_url) -> None:  # type: ignore[no-untyped-def]
    conv = await add_conversation(db_url, "Schuldhulp Groningen (demo)", "ik wil hulp")
    csrf = await login_as(console, "consulent@demo.geldhulp.nl")
    assert (
        await console.post(f"/console/c/{conv}/take", data={"csrf": csrf}, allow_redirects=False)
    ).status == 302
    async with open_database(db_url) as (_e, factory), factory() as s:
        lead = await s.scalar(
            select(StaffUser.id).where(StaffUser.email == "teamlead@demo.geldhulp.nl")
        )
        outsider = await s.scalar(
            select(StaffUser.id).where(StaffUser.email == "landelijk@demo.geldhulp.nl")
        )
    refused = await console.post(
        f"/console/c/{conv}/transfer",
        data={"csrf": csrf, "target": f"staff:{outsider}"},
        allow_redirects=False,
    )
    assert refused.status == 409  # not a colleague in the same team
    moved = await console.post(
        f"/console/c/{conv}/transfer",
        data={"csrf": csrf, "target": f"staff:{lead}"},
        allow_redirects=False,
    )
    assert moved.status == 302
    async with open_database(db_url) as (_e, factory), factory() as s:
        handover = await s.scalar(select(Handover).where(Handover.conversation_id == conv))
        assert handover.assigned_to == lead
    csrf_lead = await login_as(console, "teamlead@demo.geldhulp.nl")
    to_peer = await console.post(
        f"/console/c/{conv}/transfer",
        data={"csrf": csrf_lead, "target": "kind:peer"},
        allow_redirects=False,
    )
    assert to_peer.status == 302
    async with open_database(db_url) as (_e, factory), factory() as s:
        rows = (
            await s.scalars(
                select(Handover).where(Handover.conversation_id == conv).order_by(Handover.id)
            )
        ).all()
        status = (await s.get(Conversation, conv)).status
        told = await s.scalar(
            select(Message).where(Message.conversation_id == conv, Message.sender_type == "system")
        )
    assert [r.outcome for r in rows] == ["transferred", None] and rows[1].kind == "peer"
    assert rows[1].assigned_to is None and status == "waiting_for_human"
    assert told.text == TEXTS.render("utter_handover_transferred").text


async def test_ready_made_replies_are_sent_and_team_editable(console, db_url) -> None:  # type: ignore[no-untyped-def]
    conv = await add_conversation(db_url, "Schuldhulp Groningen (demo)", "hallo")
    csrf = await login_as(console, "teamlead@demo.geldhulp.nl")
    added = await console.post(
        "/console/quick-replies",
        data={"csrf": csrf, "title": "Post", "text": "Neem je post mee."},
        allow_redirects=False,
    )
    assert added.status == 302
    async with open_database(db_url) as (_e, factory), factory() as s:
        mine = await s.scalar(select(QuickReply).where(QuickReply.title == "Post"))
        other_team = await s.scalar(select(QuickReply).where(QuickReply.team_id != mine.team_id))
    await console.post(f"/console/c/{conv}/take", data={"csrf": csrf})
    sent = await console.post(
        f"/console/c/{conv}/reply",
        data={"csrf": csrf, "quick": str(mine.id)},
        allow_redirects=False,
    )
    assert sent.status == 302
    foreign = await console.post(
        f"/console/c/{conv}/reply",
        data={"csrf": csrf, "quick": str(other_team.id)},
        allow_redirects=False,
    )
    assert foreign.status == 409
    async with open_database(db_url) as (_e, factory), factory() as s:
        texts = (
            await s.scalars(
                select(Message.text).where(
                    Message.conversation_id == conv, Message.sender_type == "human"
                )
            )
        ).all()
    assert "Neem je post mee." in texts
    counsellor = await login_as(console, "consulent@demo.geldhulp.nl")
    denied = await console.post(
        "/console/quick-replies",
        data={"csrf": counsellor, "title": "x", "text": "y"},
        allow_redirects=False,
    )
    assert denied.status == 403


async def test_out_of_hours_consent_is_recorded(gateway, fakes, db_url) -> None:  # type: ignore[no-untyped-def]
    from bot.staff import Team

    telegram, _ = fakes
    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
        async with factory() as s:
            for team in (await s.scalars(select(Team))).all():
                team.opening_hours = {}
            await s.commit()
    client = await gateway()
    chat = 6300001
    await tg(client, 51, chat, "ik wil met een mens praten")
    await telegram.wait_for(2, chat_id=chat)
    await tg(client, 52, chat, payload="/choose_counsellor")
    await wait_handover(db_url)
    # the out-of-hours message offers to be contacted (later messages may follow it)
    await telegram.wait_until(
        lambda: any("/contact_me" in str(m.get("reply_markup")) for m in telegram.sent(chat)),
        lambda: telegram.sent(chat),
    )
    await tg(client, 53, chat, payload="/contact_me")
    from tests.conversations.conftest import is_response

    await telegram.wait_until(
        lambda: any(
            is_response(m["text"], "utter_handover_consent_yes") for m in telegram.sent(chat)
        ),
        lambda: telegram.sent(chat),
    )
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert (await s.scalar(select(Handover))).contact_consent is True


def test_opening_hours_and_when_we_are_back() -> None:
    from datetime import datetime

    from bot.conversations.assignment import TZ, is_open, next_opening

    hours = {str(d): [["09:00", "17:00"]] for d in range(5)}
    friday_evening = datetime(2026, 11, 20, 18, 0, tzinfo=TZ)  # a Friday
    monday_morning = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
    assert not is_open(hours, friday_evening) and is_open(hours, monday_morning)
    assert next_opening(hours, friday_evening) == datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
    assert next_opening({}, friday_evening) is None
    presenter = Presenter(TEXTS)
    team = Team(name="t", opening_hours=hours)
    assert presenter.back(team, friday_evening, Audience("web")) == "op maandag om 09:00 uur"
    assert (
        presenter.back(team, datetime(2026, 11, 23, 7, 0, tzinfo=TZ), Audience("web"))
        == "vandaag om 09:00 uur"
    )
    assert (
        presenter.back(Team(name="t", opening_hours={}), friday_evening, Audience("web"))
        == "zodra er iemand is"
    )


async def test_queue_shows_who_is_online_in_the_own_team(console, db_url) -> None:  # type: ignore[no-untyped-def]
    conv = await add_conversation(db_url, "Schuldhulp Groningen (demo)", "hallo")
    csrf = await login_as(console, "consulent@demo.geldhulp.nl")
    await console.post(f"/console/c/{conv}/take", data={"csrf": csrf})
    await console.post("/console/presence", data={"csrf": csrf, "presence": "away"})
    page = await (await console.get("/console/")).text()
    assert "Sanne (demo) (schuldhulpverlener): Even weg, 1 van 3 gesprekken" in page
    assert "Ahmed (demo) (ervaringsdeskundige): Beschikbaar, 0 van 3 gesprekken" in page
    assert "Joris (demo)" not in page  # the national team is not this team


async def test_take_and_close_record_pseudonymous_analytics(console, db_url) -> None:  # type: ignore[no-untyped-def]
    from bot.analytics.tables import AnalyticsEvent

    conv = await add_conversation(
        db_url, "Schuldhulp Groningen (demo)", "mijn naam is Piet en ik heb schulden"
    )
    csrf = await login_as(console, "consulent@demo.geldhulp.nl")
    await console.post(f"/console/c/{conv}/take", data={"csrf": csrf})
    closed = await console.post(
        f"/console/c/{conv}/close",
        data={"csrf": csrf, "outcome": "appointment_made"},
        allow_redirects=False,
    )
    assert closed.status == 302
    async with open_database(db_url) as (_e, factory), factory() as s:
        events = {e.name: e for e in (await s.scalars(select(AnalyticsEvent))).all()}
        status = (await s.get(Conversation, conv)).status
    assigned, done = events["handover.assigned"], events["handover.closed"]
    assert (
        assigned.kind == "counsellor" and assigned.reason == "asked" and assigned.value_seconds >= 0
    )
    assert assigned.out_of_hours is False
    assert done.outcome == "appointment_made" and done.reason == "asked" and status == "closed"
    for event in (assigned, done):
        assert (
            event.conversation_ref and conv not in event.conversation_ref
        )  # pseudonym, not the id
        assert "Piet" not in str(event.data)


def test_pick_team_prefers_the_own_municipality_then_a_pool_for_the_kind() -> None:
    from bot.conversations.assignment import pick_team
    from bot.staff import Team

    groningen = Team(id=1, name="Groningen", municipality_codes=["GM0014"], kinds=["counsellor"])
    peers = Team(id=2, name="Ervaring landelijk", municipality_codes=[], kinds=["peer"])
    national = Team(id=3, name="Landelijk", municipality_codes=[], kinds=["counsellor", "peer"])
    teams = [national, peers, groningen]
    assert pick_team(teams, "GM0014", "counsellor") is groningen
    assert pick_team(teams, "GM0014", "peer") is peers  # the own team has no peers: the peer pool
    assert pick_team(teams, "GM0363", "counsellor") is national  # unknown here: a pool for the kind
    assert pick_team(teams, None, None) is peers  # no municipality, no preference: the first pool
    assert pick_team([groningen], "GM0363", "peer") is None


async def test_an_admin_without_a_team_gets_a_clear_answer_for_ready_made_replies(console) -> None:  # type: ignore[no-untyped-def]
    csrf = await login_as(console, "admin@demo.geldhulp.nl")
    response = await console.post(
        "/console/quick-replies",
        data={"csrf": csrf, "title": "x", "text": "y"},
        allow_redirects=False,
    )
    assert response.status == 400
