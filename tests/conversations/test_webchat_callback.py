"""A callback promised in the web chat (issue 18): how the answer reaches the resident.

Through the real gateway's web-chat socket on both backends: after "Ja, dat mag" the chat asks
how (a link to keep, a phone number, or this browser) and says when the message is deleted; a
phone number is checked with `phonenumbers`, confirmed, sealed, shown only to the team that has
the chat, never kept in the transcript, and gone after forget-me.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import pytest
from sqlalchemy import select

from bot.conversations.callback_phone import CallbackPhones, looks_like_number, parse_number
from bot.conversations.meanwhile import kept_from_rasa
from bot.conversations.tables import CallbackPhone, InboxItem, Message, OutboxItem
from bot.media import MediaCipher
from bot.staff import StaffUser
from tests.conversations.conftest import CLOSED_CODE, PASSWORD, Gateway, Resident, names_of
from tests.support.staff_login import login_csrf

NUMBER = "06 12345678"  # a test number: never shown to a resident


class WebResident:
    """A resident in the web chat: messages over the socket, answers read from the transcript."""

    def __init__(self, gw: Gateway, resident: Resident, token: str) -> None:
        self.gw, self.resident, self.token = gw, resident, token
        self._count = 0

    async def say(self, text: str = "", *, payload: str | None = None) -> list[str]:
        """Send one message; return the texts of the answers to it."""
        await self.resident.settle()
        client = self.gw.client
        origin = f"http://{client.host}:{client.port}"
        self._count += 1
        client_id = f"m{self._count}"
        ws = await client.ws_connect("/chat/ws", headers={"Origin": origin})
        try:
            await ws.send_json({"type": "hello", "token": self.token})
            async with asyncio.timeout(30):
                while json.loads((await ws.receive()).data)["type"] != "welcome":
                    pass
            await ws.send_json(
                {
                    "type": "message",
                    "id": client_id,
                    "text": text,
                    "title": text,
                    "payload": payload,
                }
            )
            key = f"web:{self.token}:{client_id}"
            async with asyncio.timeout(30):
                while True:
                    async with self.resident.factory() as s:
                        item = await s.scalar(select(InboxItem).where(InboxItem.dedupe_key == key))
                    if item is not None and item.status == "done":
                        break
                    if item is None and await self.resident.forgotten():
                        break  # forget-me deletes the item it handled (docs/privacy.md)
                    await asyncio.sleep(0.05)
        finally:
            await ws.close()
        await self.resident.settle()
        async with self.resident.factory() as s:
            rows = list(
                await s.scalars(
                    select(Message)
                    .where(
                        Message.conversation_id == self.resident.conversation_id,
                        Message.direction == "out",
                        Message.id > ((item.message_id if item else None) or 0),
                    )
                    .order_by(Message.id)
                )
            )
        return [m.text for m in rows]

    async def buttons_of_last(self) -> list[str]:
        async with self.resident.factory() as s:
            data: dict[str, Any] = await s.scalar(
                select(Message.data)
                .where(
                    Message.conversation_id == self.resident.conversation_id,
                    Message.direction == "out",
                )
                .order_by(Message.id.desc())
                .limit(1)
            )
        return [payload for _title, payload in data.get("buttons", [])]


async def web_waiting(gw: Gateway) -> WebResident:
    token = secrets.token_urlsafe(24)
    resident = await gw.waiting(municipality=CLOSED_CODE, channel="web", address=token)
    return WebResident(gw, resident, token)


async def staff(gw: Gateway, email: str) -> StaffUser:
    async with gw.factory() as s:
        person = await s.scalar(select(StaffUser).where(StaffUser.email == email))
        assert person is not None
        return person


def phones(gw: Gateway) -> CallbackPhones:
    from bot.app import MEDIA_CIPHER

    cipher = gw.client.app[MEDIA_CIPHER]
    assert isinstance(cipher, MediaCipher)
    return CallbackPhones(cipher)


async def test_a_callback_in_the_web_chat_asks_how_and_says_when_it_is_deleted(
    gw: Gateway,
) -> None:
    web = await web_waiting(gw)
    got = names_of(await web.say(payload="/contact_me"))
    assert got == ["utter_handover_consent_yes", "utter_webchat_callback_how"]
    texts = await web.resident.transcript()
    assert "90 dagen" in texts[-1].text  # the retention of the test settings
    assert await web.buttons_of_last() == ["/callback_link", "/callback_phone", "/callback_none"]
    assert names_of(await web.say(payload="/callback_none")) == ["utter_webchat_callback_none"]
    link = names_of(await web.say(payload="/callback_link"))
    assert link == ["utter_webchat_callback_link"]
    assert await web.buttons_of_last() == ["#resume-link"]


async def test_telegram_gets_no_web_chat_question_after_the_same_yes(gw: Gateway) -> None:
    resident = await gw.waiting(municipality=CLOSED_CODE)
    assert names_of(await resident.say(payload="/contact_me")) == ["utter_handover_consent_yes"]


async def test_a_phone_number_is_checked_confirmed_sealed_and_only_for_the_team(
    gw: Gateway,
) -> None:
    web = await web_waiting(gw)
    await web.say(payload="/contact_me")
    assert names_of(await web.say(payload="/callback_phone")) == [
        "utter_webchat_callback_phone_ask"
    ]
    assert names_of(await web.say("06 123 45")) == ["utter_webchat_callback_phone_invalid"]
    confirm = await web.say(NUMBER)
    assert names_of(confirm) == ["utter_webchat_callback_phone_confirm"]
    async with gw.factory() as s:  # sent: the outbox keeps no text (only the transcript)
        bodies = list(
            await s.scalars(
                select(OutboxItem.body).where(
                    OutboxItem.conversation_id == web.resident.conversation_id
                )
            )
        )
    assert bodies and not any("12345678" in str(b) for b in bodies)
    async with gw.factory() as s:  # nor does the inbox's copy of the handled message
        inbox = [str(b) for b in await s.scalars(select(InboxItem.body))]
    assert inbox and not any("12345678" in b for b in inbox)
    # the transcript keeps a note, not the number; the stored number is sealed
    transcript = await web.resident.transcript()
    assert not any("12345678" in (m.text or "").replace(" ", "") for m in transcript)
    assert not any("123 45" in (m.text or "") for m in transcript)
    async with gw.factory() as s:
        row = await s.scalar(
            select(CallbackPhone).where(
                CallbackPhone.conversation_id == web.resident.conversation_id
            )
        )
    assert row is not None and row.consent_at is None
    assert b"12345678" not in row.sealed
    # not visible to the team before the resident confirms
    joris = await staff(gw, "dicht@test.geldhulp.nl")
    async with gw.factory() as s:
        assert await phones(gw).for_staff(s, web.resident.conversation_id, joris) is None
    assert names_of(await web.say(payload="/callback_phone_yes")) == [
        "utter_webchat_callback_phone_saved"
    ]
    sanne = await staff(gw, "sanne@test.geldhulp.nl")  # another team
    async with gw.factory() as s:
        shown = await phones(gw).for_staff(s, web.resident.conversation_id, joris)
        hidden = await phones(gw).for_staff(s, web.resident.conversation_id, sanne)
    assert shown is not None and shown.replace("-", "").replace(" ", "") == "0612345678"
    assert hidden is None
    # the console's side panel shows it to the team that has the chat, as a number to call
    await login_csrf(gw.client, "dicht@test.geldhulp.nl", PASSWORD)
    page = await gw.client.get(f"/console/c/{web.resident.conversation_id}")
    html = await page.text()
    assert page.status == 200, html[:300]
    assert 'id="callback-number" href="tel:0612345678"' in html
    assert shown in html
    # forget-me: the number is gone with everything else
    await web.say("verwijder mijn gegevens")
    await web.say(payload="/forget_me_confirm")
    async with gw.factory() as s:
        left = await s.scalar(
            select(CallbackPhone.id).where(
                CallbackPhone.conversation_id == web.resident.conversation_id
            )
        )
    assert left is None


async def test_a_declined_number_is_deleted_at_once(gw: Gateway) -> None:
    web = await web_waiting(gw)
    await web.say(payload="/contact_me")
    await web.say(payload="/callback_phone")
    await web.say(NUMBER)
    assert names_of(await web.say(payload="/callback_phone_no")) == [
        "utter_webchat_callback_phone_dropped"
    ]
    async with gw.factory() as s:
        left = await s.scalar(
            select(CallbackPhone.id).where(
                CallbackPhone.conversation_id == web.resident.conversation_id
            )
        )
    assert left is None


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("06 12345678", True),
        ("+31 6 12345678", True),
        ("0612345678", True),
        ("06 123 45", False),
        ("12345678901234", False),
    ],
)
def test_phone_numbers_are_checked_with_phonenumbers(text: str, valid: bool) -> None:
    assert looks_like_number(text)
    assert (parse_number(text) is not None) is valid


def test_a_number_typed_in_the_web_chat_never_goes_to_rasa() -> None:
    assert kept_from_rasa("web", "mijn nummer is 06 12345678")
    assert not kept_from_rasa("web", "waar vind ik hulp in de buurt?")
    assert not kept_from_rasa("telegram", "06 12345678")
