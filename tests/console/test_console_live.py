"""The console people want, over real HTTP and the real websocket (no Rasa needed: the residents
are already with the team): words not codes, the summary, live updates, alerts, callbacks,
honest presence, the socket closing at logout and on session expiry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from bot.conversations.tables import Handover, Message
from bot.staff import StaffSession, StaffUser
from bot.storage.base import utcnow
from tests.conversations.conftest import (
    CLOSED_CODE,
    PASSWORD,
    Gateway,
    names_of,
)
from tests.support.staff_login import login_csrf

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
SANNE = "sanne@test.geldhulp.nl"


async def login(client: TestClient, email: str = SANNE) -> str:
    return await login_csrf(client, email, PASSWORD)


def visible_text(html: str) -> str:
    """What a person sees: the page without tags, scripts, styles and attribute values."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


async def socket(client: TestClient) -> Any:
    origin = f"http://{client.host}:{client.port}"
    return await client.ws_connect("/console/ws", headers={"Origin": origin})


async def next_of(ws: Any, kind: str, check: Any = None) -> dict[str, Any]:
    """The next frame of this type (and passing ``check``); fails after 30 frames."""
    for _ in range(30):
        frame = await ws.receive_json(timeout=20)
        if frame.get("type") == kind and (check is None or check(frame)):
            return frame  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} frame")


async def test_queue_and_conversation_show_words_not_codes(own_gw: Gateway) -> None:
    resident = await own_gw.waiting(
        urgent=True,
        summary={
            "topics": ["rent_housing", "energy_water"],
            "urgency_flags": ["eviction"],
            "told": ["utter_rent_housing"],
            "suggested": ["find_local_help"],
            "offers": ["urgent"],
        },
        story="ik heb 3 maanden huurachterstand en de energie wordt afgesloten, bel me op 0612345678",
    )
    await resident.say("ik heb ook nog een boete van het cjib liggen")
    client = own_gw.client
    await login(client)
    queue = visible_text(await (await client.get("/console/")).text())
    html = await (await client.get(f"/console/c/{resident.conversation_id}")).text()
    page = visible_text(html)
    summary = visible_text(html.split('id="summary-title"')[1].split("</section>")[0])
    for text in (queue, page):
        assert not SNAKE.findall(text), SNAKE.findall(text)
        assert "Huurachterstand" in text and "Wacht op een mens" in page
    assert "Gevraagd door inwoner, dringend" in queue
    assert "Dreigende uithuiszetting" in queue
    assert "Binnen 3 werkdagen: uiterlijk" in queue  # the Wgs deadline, with the date
    # the summary: their own words (redacted), every topic (also one typed while waiting)
    assert "huurachterstand en de energie wordt afgesloten" in summary
    assert "0612345678" not in summary  # redacted in the summary (the transcript is the record)
    assert "Belastingen en boetes" in page and "Energie of water" in page
    assert "Uitleg over Huurachterstand" in page and "hulp in de buurt zoeken" in page
    assert "Een mens, omdat: Dringend probleem" in page
    assert "Dringend, omdat: Dreigende uithuiszetting" in page


async def test_the_summary_stays_after_closing_and_a_person_can_edit_it(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    client = own_gw.client
    csrf = await login(client)
    conv = resident.conversation_id
    await client.post(
        f"/console/c/{conv}/summary",
        data={"csrf": csrf, "text": "Wil een betalingsregeling met de verhuurder."},
    )
    await client.post(f"/console/c/{conv}/close", data={"csrf": csrf, "outcome": "referred"})
    await resident.settle()
    assert names_of(resident.received()[-2:]) == ["utter_handover_closed", "utter_csat_ask"]
    stored = (await resident.conversation()).summary
    assert stored and stored["edited"]["text"] == "Wil een betalingsregeling met de verhuurder."
    assert stored["topics"] == ["rent_housing"]
    page = visible_text(await (await client.get(f"/console/c/{conv}")).text())
    assert "Wil een betalingsregeling met de verhuurder." in page
    assert "Aangepast door Sanne (test)" in page and "Afgesloten" in page


async def test_messages_typed_while_waiting_are_marked_new_for_the_person(own_gw: Gateway) -> None:
    resident = await own_gw.waiting()
    await resident.say("de brief van de verhuurder kwam vandaag")
    client = own_gw.client
    csrf = await login(client)
    row = (await (await client.get("/console/api/queue")).json())[0]
    assert row["new_label"] == "1 nieuw"  # typed while waiting (the story came before)
    await client.post(
        f"/console/c/{resident.conversation_id}/take", data={"csrf": csrf}, allow_redirects=False
    )
    html = await (await client.get(f"/console/c/{resident.conversation_id}")).text()
    assert html.count("msg msg--contact msg--new") == 1
    html = await (await client.get(f"/console/c/{resident.conversation_id}")).text()
    assert html.count("msg msg--contact msg--new") == 0  # seen now


async def test_the_console_updates_live_and_a_crisis_raises_the_alarm(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    client = own_gw.client
    await login(client)
    ws = await socket(client)
    first = await next_of(ws, "queue")
    assert [r["id"] for r in first["rows"]] == [resident.conversation_id]
    await ws.send_json({"type": "watch", "id": resident.conversation_id, "after": 0})
    await next_of(ws, "messages")  # what was there already
    await resident.say("ik heb de brief nu voor me liggen")
    seen: list[dict[str, Any]] = []

    def arrived(frame: dict[str, Any]) -> bool:
        seen.append(frame)
        news = [f for f in seen if f["type"] == "queue" and "new_message" in f["events"]]
        mine = [
            m
            for f in seen
            if f["type"] == "messages"
            for m in f["items"]
            if m["text"] == "ik heb de brief nu voor me liggen"
        ]
        return bool(news and mine)

    for _ in range(30):
        if arrived(await ws.receive_json(timeout=20)):
            break
    else:
        raise AssertionError(f"no live message and notice: {seen}")
    message = next(
        m
        for f in seen
        if f["type"] == "messages"
        for m in f["items"]
        if m["author_type"] == "contact"
    )
    assert message["author"] == "Inwoner" and message["new"]
    assert any(f["type"] == "queue" and "new_message" in f["events"] for f in seen)
    await resident.say("ik wil niet meer leven")
    alarm = await next_of(ws, "queue", lambda f: "crisis" in f["events"])
    assert alarm["crisis"] and alarm["rows"][0]["priority"] == "crisis"
    assert any(a["crisis"] and a["url"].endswith(resident.conversation_id) for a in alarm["alerts"])
    await ws.close()


async def test_a_new_chat_makes_itself_noticed(own_gw: Gateway) -> None:
    client = own_gw.client
    await login(client)
    ws = await socket(client)
    await next_of(ws, "queue")
    resident = await own_gw.waiting()
    frame = await next_of(ws, "queue", lambda f: "new_chat" in f["events"])
    assert resident.conversation_id in [r["id"] for r in frame["rows"]]
    await ws.close()


async def test_the_socket_closes_at_logout_and_when_the_session_expires(own_gw: Gateway) -> None:
    client = own_gw.client
    csrf = await login(client)
    ws = await socket(client)
    await next_of(ws, "queue")
    await client.post("/console/logout", data={"csrf": csrf}, allow_redirects=False)
    closed = await ws.receive(timeout=20)
    assert ws.closed and ws.close_code == 4401, closed
    await login(client)
    ws = await socket(client)
    await next_of(ws, "queue")
    async with own_gw.factory() as s:
        await s.execute(update(StaffSession).values(expires_at=utcnow() - timedelta(minutes=1)))
        await s.commit()
    await ws.receive(timeout=20)
    assert ws.closed and ws.close_code == 4401


async def test_alerts_are_listed_and_marked_seen(own_gw: Gateway) -> None:
    resident = await own_gw.waiting()
    await resident.say("ik zie het niet meer zitten")
    client = own_gw.client
    csrf = await login(client)
    html = await (await client.get("/console/")).text()
    assert (
        "Crisis in een gesprek" in html
        and 'id="crisis-banner" class="banner banner--crisis" role="alert" >' in html
    )
    alert_id = re.search(r"/console/alerts/(\d+)/seen", html)
    assert alert_id
    await client.post(f"/console/alerts/{alert_id.group(1)}/seen", data={"csrf": csrf})
    html = await (await client.get("/console/")).text()
    assert (
        "Crisis in een gesprek" not in html and "hidden" in html.split('id="crisis-banner"')[1][:80]
    )


async def test_callbacks_promised_with_consent_are_a_list_with_their_moment(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.waiting(municipality=CLOSED_CODE)
    await resident.say(payload="/contact_me")
    handover = await resident.handover()
    assert handover.callback_due_at is not None and handover.callback_due_at > utcnow()
    client = own_gw.client
    await login(client, "dicht@test.geldhulp.nl")
    html = await (await client.get("/console/")).text()
    callbacks = html.split('id="callbacks"')[1].split("</ul>")[0]
    assert f"/console/c/{resident.conversation_id}" in callbacks
    assert "Vanaf " in callbacks and "09:00" in callbacks and "Huurachterstand" in callbacks


async def test_presence_is_honest_when_the_team_is_closed(own_gw: Gateway) -> None:
    client = own_gw.client
    await login(client, "dicht@test.geldhulp.nl")
    html = visible_text(await (await client.get("/console/")).text())
    assert "Het team is nu gesloten" in html
    team = html.split("Wie is er nu")[1]
    assert "Beschikbaar" not in team and "Team is nu gesloten" in team


async def test_a_message_that_was_not_delivered_says_so(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    async with own_gw.factory() as s:
        await s.execute(
            update(Message)
            .where(Message.conversation_id == resident.conversation_id, Message.direction == "out")
            .values(delivery="failed")
        )
        await s.commit()
    await login(own_gw.client)
    html = await (await own_gw.client.get(f"/console/c/{resident.conversation_id}")).text()
    assert "niet bezorgd" in html


async def test_the_persons_reply_carries_name_and_role(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    joined = resident.received()[-1]
    assert joined.startswith("Hoi, je praat nu met Sanne, schuldhulpverlener van Open team (test).")
    csrf = await login(own_gw.client)
    await own_gw.client.post(
        f"/console/c/{resident.conversation_id}/reply",
        data={"csrf": csrf, "text": "Hoi, ik kijk mee met je brief."},
    )
    await resident.settle()
    assert resident.received()[-1] == "Sanne, schuldhulpverlener:\nHoi, ik kijk mee met je brief."
    transcript = await resident.transcript()
    assert transcript[-1].text == "Hoi, ik kijk mee met je brief."  # the console shows the words
    html = await (await own_gw.client.get(f"/console/c/{resident.conversation_id}")).text()
    assert "Sanne (test), schuldhulpverlener" in html


async def test_a_team_lead_sets_the_rules_and_marks_the_crisis_pool(own_gw: Gateway) -> None:
    client = own_gw.client
    csrf = await login(client, "lead@test.geldhulp.nl")
    await client.post(
        "/console/rules",
        data={"csrf": csrf, "max_wait_minutes": "12", "silence_minutes": "7", "crisis_pool": "1"},
    )
    from bot.staff.team_rules import rules_for

    async with own_gw.factory() as s:
        lead = await s.scalar(select(StaffUser).where(StaffUser.email == "lead@test.geldhulp.nl"))
        assert lead is not None
        rules = await rules_for(s, lead.team_id)
    assert (rules.max_wait_minutes, rules.silence_minutes, rules.crisis_pool) == (12, 7, True)
    sanne = await client.post("/console/logout", data={"csrf": csrf}, allow_redirects=False)
    assert sanne.status == 302
    csrf = await login(client)
    denied = await client.post("/console/rules", data={"csrf": csrf, "max_wait_minutes": "1"})
    assert denied.status == 403


async def test_handover_rows_are_in_queue_order(own_gw: Gateway) -> None:
    normal = await own_gw.waiting()
    urgent = await own_gw.waiting(urgent=True)
    crisis = await own_gw.waiting(reason="crisis", urgent=True, kind=None)
    await login(own_gw.client)
    rows = await (await own_gw.client.get("/console/api/queue")).json()
    assert [r["id"] for r in rows] == [
        crisis.conversation_id,
        urgent.conversation_id,
        normal.conversation_id,
    ]
    assert [r["priority_label"] for r in rows] == ["Crisis", "Dringend", "Gewoon"]
    async with own_gw.factory() as s:
        assert await s.scalar(
            select(Handover.crisis_at).where(Handover.conversation_id == crisis.conversation_id)
        )
