"""A person sees what the resident sent: kept unread while a person is on the way, shown in the
console to the team that has the chat (audited), 403 for another team; an urgent letter makes
the request urgent and the summary names it."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.conversations.tables import Handover
from bot.staff import AuditEntry
from bot.texts import TextCatalog
from tests.conversations.conftest import PASSWORD
from tests.media.conftest import Site, jpeg, new_chat, ogg_opus, reading
from tests.support.staff_login import login_csrf

TEXTS = TextCatalog.load()
SANNE, JORIS = "sanne@test.geldhulp.nl", "dicht@test.geldhulp.nl"  # open team, closed team


async def audit_rows(site: Site, action: str) -> list[AuditEntry]:
    async with site.factory() as s:
        return list((await s.scalars(select(AuditEntry).where(AuditEntry.action == action))).all())


async def latest_handover(site: Site, conv_id: str) -> Handover:
    async with site.factory() as s:
        row = await s.scalar(
            select(Handover)
            .where(Handover.conversation_id == conv_id)
            .order_by(Handover.id.desc())
            .limit(1)
        )
        assert row is not None
        return row


async def test_while_waiting_a_photo_goes_to_the_person_unread(site: Site) -> None:
    chat = new_chat()
    await site.telegram_press(chat, "/ask_human")
    conv = await site.conversation_of(str(chat))
    assert conv.status == "waiting_for_human"
    got = await site.telegram_file(chat, "photo", "p-wait", jpeg())
    assert site.read_calls == []  # a person has the chat: the bot does not read it
    assert got[-1].startswith("Dank je. Ik bewaar je bestand voor")
    got = await site.telegram_file(chat, "voice", "v-wait", ogg_opus())
    assert "spraakberichten" not in got[-1]  # kept for the person, no "I can't listen"
    conv = await site.conversation_of(str(chat))
    assert [e["kind"] for e in (conv.summary or {})["media"]] == ["image", "voice"]


async def test_the_team_sees_the_file_audited_and_another_team_gets_403(site: Site) -> None:
    chat = new_chat()
    await site.telegram_press(chat, "/ask_human")
    photo = jpeg((320, 240))
    await site.telegram_file(chat, "photo", "p-view", photo)
    await site.telegram_file(chat, "voice", "v-view", ogg_opus())
    conv = await site.conversation_of(str(chat))
    rows = {r.kind: r for r in await site.files()}
    image_url = f"/console/media/{rows['image'].id}"
    voice_url = f"/console/media/{rows['voice'].id}"

    client = site.client
    assert (await client.get(image_url, allow_redirects=False)).status in (302, 401, 403)
    await login_csrf(client, SANNE, PASSWORD)
    page = await (await client.get(f"/console/c/{conv.id}")).text()
    assert f'<img class="media-image" src="{image_url}"' in page
    assert f'<audio class="media-voice" controls preload="none" src="{voice_url}"' in page
    assert re.search(r"<li>1 foto</li>", page)
    response = await client.get(image_url)
    assert response.status == 200
    assert await response.read() == photo
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    voice = await client.get(voice_url)
    assert voice.status == 200 and voice.headers["Content-Type"] == "audio/ogg"
    viewed = await audit_rows(site, "media_viewed")
    assert [(a.result, a.object_ref) for a in viewed] == [
        ("ok", f"media:{rows['image'].id}"),
        ("ok", f"media:{rows['voice'].id}"),
    ]

    client.session.cookie_jar.clear()
    await login_csrf(client, JORIS, PASSWORD)
    denied = await client.get(image_url)
    assert denied.status == 403
    assert photo not in await denied.read()
    viewed = await audit_rows(site, "media_viewed")
    assert viewed[-1].result == "denied" and viewed[-1].conversation_id == conv.id
    assert (await client.get("/console/media/nope")).status == 404


async def test_an_urgent_letter_makes_the_request_urgent_with_its_summary(site: Site) -> None:
    other = new_chat()  # someone who asked for a person first, without a letter
    await site.telegram_press(other, "/ask_human")
    site.next_reading = reading("ontruiming", urgent=True)
    chat = new_chat()
    got = await site.telegram_file(chat, "photo", "p-urgent", jpeg())
    assert got[0].endswith(TEXTS.render("utter_letter_urgent").text)  # a person can help, first
    assert "Klopt dit?" in got[-1]
    got = await site.telegram_press(chat, "/affirm")
    # the letter's answer, then the plan is offered once (issue 20)
    assert got == [
        TEXTS.render("utter_letter_confirmed_urgent").text,
        TEXTS.render("utter_plan_offer").text,
    ]
    assert any("/ask_human" in str(m.get("reply_markup")) for m in site.telegram.sent(chat)[-2:])
    await site.telegram_press(chat, "/ask_human")
    conv = await site.conversation_of(str(chat))
    handover = await latest_handover(site, conv.id)
    assert handover.urgent
    assert "eviction" in (conv.summary or {})["urgency_flags"]
    [entry] = (conv.summary or {})["media"]
    assert entry["letter"]["kind"] == "ontruiming" and entry["letter"]["answer"] == "yes"

    await login_csrf(site.client, SANNE, PASSWORD)
    page = await (await site.client.get(f"/console/c/{conv.id}")).text()
    assert "1 foto van een brief: ontruiming, € 120,00, uiterlijk" in page
    assert "dringend, de inwoner zegt: klopt" in page
    queue = await (await site.client.get("/console/api/queue")).json()
    assert len(queue) == 2
    top = queue[0]  # asked later, but urgent: on top, with the Wgs deadline and the signal
    assert top["id"] == conv.id and top["priority"] == "urgent"
    assert top["deadline"] and "Dreigende uithuiszetting" in top["signals"]
