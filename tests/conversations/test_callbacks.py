"""A callback promised with consent: it is on the console's list with the moment it is due, the
person takes it when the team is back and writes, and the reply goes through the outbox (on
WhatsApp after the 24-hour window the outbox, not attending, decides: never free text)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.conversations.tables import Conversation, Message, OutboxItem
from bot.staff import Team
from bot.storage.base import utcnow
from tests.conversations.conftest import ALWAYS, CLOSED_CODE, PASSWORD, Gateway, names_of
from tests.support.staff_login import login_csrf


async def login(gw: Gateway, email: str) -> str:
    return await login_csrf(gw.client, email, PASSWORD)


async def open_the_closed_team(gw: Gateway) -> None:
    async with gw.factory() as s:
        await s.execute(
            update(Team).where(Team.name == "Dicht team (test)").values(opening_hours=ALWAYS)
        )
        await s.commit()


async def test_a_promised_callback_is_listed_then_written_through_the_outbox(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.waiting(municipality=CLOSED_CODE)
    got = await resident.say(payload="/contact_me")
    assert names_of(got) == ["utter_handover_consent_yes"] and "om 09:00 uur" in got[0]
    csrf = await login(own_gw, "dicht@test.geldhulp.nl")
    listed = (await (await own_gw.client.get("/console/")).text()).split('id="callbacks"')[1]
    assert f"/console/c/{resident.conversation_id}" in listed.split("</ul>")[0]
    await open_the_closed_team(own_gw)  # the next morning
    conv = resident.conversation_id
    took = await own_gw.client.post(
        f"/console/c/{conv}/take", data={"csrf": csrf}, allow_redirects=False
    )
    assert took.status == 302
    await own_gw.client.post(
        f"/console/c/{conv}/reply",
        data={
            "csrf": csrf,
            "text": "Goedemorgen, je vroeg of we je wilden schrijven. Daar ben ik.",
        },
    )
    await resident.settle()
    assert resident.received()[-1] == (
        "Joris, schuldhulpverlener:\nGoedemorgen, je vroeg of we je wilden schrijven. Daar ben ik."
    )
    listed = (await (await own_gw.client.get("/console/")).text()).split('id="callbacks"')[1]
    assert f"/console/c/{conv}" not in listed.split("</ul>")[0]  # taken: off the list


async def test_a_whatsapp_callback_after_the_window_is_never_free_text(
    own_gw: Gateway, fakes
) -> None:  # type: ignore[no-untyped-def]
    _telegram, graph = fakes
    resident = await own_gw.waiting(municipality=CLOSED_CODE, channel="whatsapp")
    await graph.wait_for(2)  # the out-of-hours answer and the consent question
    # the resident said yes (as the button does); the window closed during the night
    async with own_gw.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        assert conv is not None
        await resident.service.consent(s, conv, True)
        conv.last_inbound_at = utcnow() - timedelta(hours=25)
        await s.commit()
    await open_the_closed_team(own_gw)
    csrf = await login(own_gw, "dicht@test.geldhulp.nl")
    before = len(graph.sent)
    await own_gw.client.post(
        f"/console/c/{resident.conversation_id}/take", data={"csrf": csrf}, allow_redirects=False
    )
    await own_gw.client.post(
        f"/console/c/{resident.conversation_id}/reply",
        data={"csrf": csrf, "text": "Goedemorgen, hier is Joris van het team."},
    )
    await resident.settle()  # the outbox handled both (nothing left pending)
    async with own_gw.factory() as s:
        items = (
            await s.scalars(
                select(OutboxItem).where(OutboxItem.conversation_id == resident.conversation_id)
            )
        ).all()
        reply = await s.scalar(
            select(Message).where(Message.text == "Goedemorgen, hier is Joris van het team.")
        )
    assert reply is not None
    free_text = [b for b in graph.sent[before:] if b.get("type") == "text" and "Joris" in str(b)]
    assert free_text == []  # outside the window only an approved template may go out
    assert all(i.status in ("sent", "needs_template") for i in items)
    templates = [b for b in graph.sent[before:] if b.get("type") == "template"]
    assert templates or reply.delivery == "failed"  # core's template, or shown "niet bezorgd"
