"""Typing indicators both ways, over the real sockets (no Rasa: the residents are with a person):
a web-chat resident typing shows "… typt" in the console of the person who watches the chat,
and goes again; the person typing reaches the web chat's page and Telegram (sendChatAction on
the fake Telegram API); no content travels; only the person who has the chat can send it, and
only the chat's own team sees the resident type. Both database backends."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp.test_utils import make_mocked_request
from sqlalchemy import select

from bot.console.live import StaffTyping, staff_typing
from bot.conversations.typing import RESIDENT_SECONDS, STAFF_EVERY, TypingSignals
from bot.staff import StaffUser, Team, User
from tests.conversations.conftest import PASSWORD, Gateway
from tests.support.staff_login import login_csrf

SANNE, JORIS = "sanne@test.geldhulp.nl", "dicht@test.geldhulp.nl"


async def console_socket(gw: Gateway, email: str) -> Any:
    await login_csrf(gw.client, email, PASSWORD)
    origin = f"http://{gw.client.host}:{gw.client.port}"
    return await gw.client.ws_connect("/console/ws", headers={"Origin": origin})


async def chat_socket(gw: Gateway, token: str) -> Any:
    origin = f"http://{gw.client.host}:{gw.client.port}"
    ws = await gw.client.ws_connect("/chat/ws", headers={"Origin": origin})
    await ws.send_json({"type": "hello", "token": token})
    await frame_of(ws, "welcome")
    return ws


async def frame_of(ws: Any, kind: str, check: Any = None) -> dict[str, Any]:
    """The next frame of this type (and passing ``check``); fails after 40 frames."""
    for _ in range(40):
        frame = await ws.receive_json(timeout=20)
        if frame.get("type") == kind and (check is None or check(frame)):
            return frame  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} frame")


async def test_the_person_sees_the_web_chat_resident_type_and_the_resident_sees_the_person(
    own_gw: Gateway,
) -> None:
    token = secrets.token_urlsafe(24)
    resident = await own_gw.with_person(channel="web", address=token)
    page = await chat_socket(own_gw, token)
    console = await console_socket(own_gw, SANNE)
    await console.send_json({"type": "watch", "id": resident.conversation_id, "after": 0})
    await frame_of(console, "status")

    await page.send_json({"type": "typing"})
    shown = await frame_of(console, "typing")
    assert shown == {"type": "typing", "on": True}
    gone = await frame_of(console, "typing")  # after a few seconds without typing
    assert gone == {"type": "typing", "on": False}

    await console.send_json({"type": "typing", "id": resident.conversation_id})
    assert await frame_of(page, "typing") == {"type": "typing"}  # no content, no name
    await page.close()
    await console.close()


async def test_the_person_typing_reaches_telegram_as_a_chat_action(own_gw: Gateway) -> None:
    resident = await own_gw.with_person()
    console = await console_socket(own_gw, SANNE)
    await console.send_json({"type": "watch", "id": resident.conversation_id, "after": 0})
    await frame_of(console, "status")
    messages_before = len(own_gw.telegram.sent(resident.chat_id))
    await console.send_json({"type": "typing", "id": resident.conversation_id})

    def actions() -> list[dict[str, Any]]:
        return [p for m, p in own_gw.telegram.calls if m == "sendChatAction"]

    await own_gw.telegram.wait_until(lambda: bool(actions()), actions, 20)
    assert actions() == [{"chat_id": resident.chat_id, "action": "typing"}]
    assert len(own_gw.telegram.sent(resident.chat_id)) == messages_before  # no message
    await console.close()


async def test_only_the_person_who_has_the_chat_sends_typing_and_only_the_team_sees_it(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.with_person()
    app = own_gw.client.app
    async with own_gw.factory() as s:
        people = {
            p.email: p
            for p in (await s.scalars(select(StaffUser))).all()
            if p.email in (SANNE, JORIS, "ahmed@test.geldhulp.nl")
        }
        teams = {t.id: t for t in (await s.scalars(select(Team))).all()}

    def user(email: str) -> User:
        staff = people[email]
        return User(staff, teams.get(staff.team_id or 0), "csrf", "sid")

    request = make_mocked_request("GET", "/console/ws", app=app)
    # another team's person and a colleague who does not have the chat: nothing is sent
    assert not await staff_typing(request, user(JORIS), resident.conversation_id, StaffTyping())
    ahmed = user("ahmed@test.geldhulp.nl")
    assert not await staff_typing(request, ahmed, resident.conversation_id, StaffTyping())
    assert not [m for m, _p in own_gw.telegram.calls if m == "sendChatAction"]
    # the person who has it: sent once, then throttled
    assert await staff_typing(request, user(SANNE), resident.conversation_id, StaffTyping())
    assert not await staff_typing(request, user(SANNE), resident.conversation_id, StaffTyping())
    assert len([m for m, _p in own_gw.telegram.calls if m == "sendChatAction"]) == 1

    # the resident's typing: the other team's console does not get it for this chat
    joris = await console_socket(own_gw, JORIS)
    await joris.send_json({"type": "watch", "id": resident.conversation_id, "after": 0})
    await app[_typing_key()].resident_typing(resident.conversation_id)
    sanne = await console_socket(own_gw, SANNE)
    await sanne.send_json({"type": "watch", "id": resident.conversation_id, "after": 0})
    assert (await frame_of(sanne, "typing")) == {"type": "typing", "on": True}
    await frame_of(sanne, "typing", lambda f: f["on"] is False)  # the mark ran out
    frames = []
    while True:  # everything Joris's socket was sent meanwhile
        try:
            frames.append(await joris.receive_json(timeout=0.5))
        except TimeoutError:
            break
    assert all(f.get("type") != "typing" for f in frames), frames
    await joris.close()
    await sanne.close()


def _typing_key() -> Any:
    from bot.conversations.keys import TYPING

    return TYPING


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeChannel:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def typing(self, address: str) -> None:
        self.calls.append(address)


class NoTyping:
    async def send(self) -> None:
        """A channel without a typing indicator (as WhatsApp here)."""


async def test_typing_signals_expire_and_throttle_without_content() -> None:
    clock, channel = Clock(), FakeChannel()
    signals = TypingSignals({"telegram": channel, "whatsapp": NoTyping()}, clock=clock)
    await signals.resident_typing("c1")
    assert await signals.resident_is_typing("c1")
    assert not await signals.resident_is_typing("c2")
    clock.now += RESIDENT_SECONDS + 0.1
    assert not await signals.resident_is_typing("c1")

    assert await signals.staff_typing("telegram", "42")
    assert not await signals.staff_typing("telegram", "42")  # too soon
    assert await signals.staff_typing("telegram", "43")  # another resident
    clock.now += STAFF_EVERY
    assert await signals.staff_typing("telegram", "42")
    assert channel.calls == ["42", "43", "42"]
    assert not await signals.staff_typing("whatsapp", "3161")  # cannot show it: nothing sent
    assert not await signals.staff_typing("web", "token")  # not configured
