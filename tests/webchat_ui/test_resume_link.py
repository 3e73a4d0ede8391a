"""A callback promised in the web chat (issue 18): the resident keeps a link, and the link
reopens the chat, the person's answer included, in a fresh browser; a guessed link shows an
empty chat. Chromium on a phone, the real gateway and database (the scripted Rasa is not used:
the chat waits for a person)."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot import keys
from bot.conversations import store
from bot.conversations.keys import HANDOVER, INTAKE, WAKEUPS
from bot.conversations.models import Inbound
from bot.conversations.states import Status
from bot.conversations.tables import Conversation, Message, OutboxItem
from bot.staff import StaffUser
from tests.conversations.conftest import CLOSED_CODE, seed_teams
from tests.support.browser import launch
from tests.webchat_ui.conftest import CATALOG
from tests.webchat_ui.test_phone import axe_clean

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
ANSWER = "Hoi, met Joris. Ik heb je bericht gelezen en help je graag verder."


def title(response: str, payload: str, **values: Any) -> str:
    """The Dutch title of a response's button."""
    return next(t for t, p in CATALOG.render(response, **values).buttons if p == payload)


async def hand_over(client: TestClient, token: str) -> str:
    """The assistant hands this web chat to the closed team (as the router does it)."""
    factory = client.app[keys.DB]
    digest = client.app[INTAKE].sender_hash(
        Inbound(channel="web", dedupe_key="-", sender=token, address=token)
    )
    decision: dict[str, Any] = {
        "kind": "counsellor",
        "reason": "asked",
        "urgent": False,
        "summary": {"topics": ["rent_housing"], "urgency_flags": []},
    }
    async with factory() as s:
        identity = await store.identity_for(s, "web", digest, token)
        conv, _new = await store.open_conversation(s, identity)
        conv.municipality_code = CLOSED_CODE
        s.add(
            Message(
                conversation_id=conv.id,
                direction="in",
                sender_type="contact",
                text="ik heb een huurachterstand",
                data={},
            )
        )
        conv.handover = decision
        store.move(s, conv, Status.WAITING_FOR_HUMAN, "bot", "asked")
        for reply in await client.app[HANDOVER].request(s, conv, decision, identity):
            store.enqueue_reply(s, conv, identity, reply, sender_type="system")
        await s.commit()
        conversation_id = conv.id
    client.app[WAKEUPS].outbox.set()
    return conversation_id


async def person_answers(client: TestClient, conversation_id: str) -> None:
    """Joris of the closed team takes the chat and writes (the callback)."""
    factory = client.app[keys.DB]
    service = client.app[HANDOVER]
    async with factory() as s:
        joris = await s.scalar(select(StaffUser).where(StaffUser.email == "dicht@test.geldhulp.nl"))
        conv = await s.get(Conversation, conversation_id)
        handover = await service.open_handover(s, conv)
        assert joris is not None and conv is not None and handover is not None
        await service.take(s, handover.id, joris)
        await service.say(s, conv, joris, ANSWER)
        await s.commit()
    client.app[WAKEUPS].outbox.set()


async def all_sent(client: TestClient, conversation_id: str) -> None:
    """Wait until every reply of the conversation went out (bounded)."""
    async with asyncio.timeout(30):
        while True:
            async with client.app[keys.DB]() as s:
                pending = await s.scalar(
                    select(OutboxItem.id)
                    .where(
                        OutboxItem.conversation_id == conversation_id,
                        OutboxItem.status == "pending",
                    )
                    .limit(1)
                )
            if pending is None:
                return
            await asyncio.sleep(0.05)


async def test_a_kept_link_reopens_the_chat_with_the_answer_in_a_fresh_browser(
    chat_gateway: TestClient,
) -> None:
    from playwright.async_api import async_playwright

    base = f"http://{chat_gateway.host}:{chat_gateway.port}/chat"
    factory = chat_gateway.app[keys.DB]
    await seed_teams(factory)
    async with async_playwright() as p:
        browser = await launch(p)
        mine = await browser.new_context(viewport=PHONE)
        page = await mine.new_page()
        await page.goto(base)
        await page.locator(".msg--greeting").wait_for()
        token = await page.evaluate("window.localStorage.getItem('geldhulp-token')")
        assert token
        conversation_id = await hand_over(chat_gateway, token)
        yes = title("utter_handover_ask_consent", "/contact_me")
        await page.get_by_role("button", name=yes).click()
        # the callback asks how the answer reaches the resident, and what happens otherwise
        how = CATALOG.render("utter_webchat_callback_how", days=90).text
        await page.locator(".msg--bot", has_text=how.split(".")[0]).wait_for()
        assert "90" in await page.locator(".msg--bot").last.inner_text()
        await page.get_by_role(
            "button", name=title("utter_webchat_callback_how", "/callback_link", days=90)
        ).click()
        link = page.locator(".resume__link")
        await link.wait_for()
        href = await link.get_attribute("href")
        assert href == f"{base}#hervat={token}"
        assert await link.inner_text() == href  # shown whole, to copy or bookmark
        await axe_clean(page)
        # the link is made in the page: the key is in no message, reply or outbox row
        async with factory() as s:
            texts = list(await s.scalars(select(Message.text)))
            bodies = [str(b) for b in await s.scalars(select(OutboxItem.body))]
        assert not any(token in t for t in texts + bodies)

        await person_answers(chat_gateway, conversation_id)
        await all_sent(chat_gateway, conversation_id)  # the resident opens the link later
        # another browser (nothing stored there) opens the kept link
        other = await browser.new_context(viewport=PHONE)
        elsewhere = await other.new_page()
        await elsewhere.goto(href)
        await elsewhere.locator(".msg--person", has_text="Ik heb je bericht gelezen").wait_for()
        assert await elsewhere.locator(".msg--me", has_text="huurachterstand").count() == 1
        assert "hervat" not in elsewhere.url  # the key does not stay in the address bar
        stored = await elsewhere.evaluate("window.localStorage.getItem('geldhulp-token')")
        assert stored == token

        # a guessed link gives nothing away: a new, empty chat
        stranger = await browser.new_context(viewport=PHONE)
        guess = await stranger.new_page()
        await guess.goto(f"{base}#hervat={secrets.token_urlsafe(24)}")
        await guess.locator(".msg--greeting").wait_for()
        assert await guess.locator(".msg").count() == 1
        assert await guess.locator(".msg--person").count() == 0
        await browser.close()
