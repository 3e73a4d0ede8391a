"""Forget-me and retention as a resident and a counsellor really use them: Telegram (fake API),
the real gateway, the real Rasa with its SQL tracker store, the console. Afterwards no column of
any table (ours or Rasa's) and no answer of the running Rasa holds the name, the phone number,
the chat id or the code word; notes and unanswered questions included."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot import schema
from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion
from bot.app import create_app
from bot.conversations.erasure import Erasure
from bot.conversations.tables import Conversation, InboxItem, Note, OutboxItem
from bot.demo.team import seed as seed_team
from bot.privacy.rasa_tracker import RasaTrackerStore
from bot.privacy.retention import RetentionPolicy, run_retention
from bot.staff import Team
from bot.storage.base import utcnow
from bot.storage.db import open_database
from bot.texts import TextCatalog
from tests.console.conftest import tg, wait_handover
from tests.gateway.conftest import make_settings
from tests.privacy.scan import find_everywhere
from tests.staff.conftest import post_login

pytestmark = pytest.mark.rasa
TEXTS = TextCatalog.load()
ALWAYS_OPEN = {str(d): [["00:00", "23:59"]] for d in range(7)}
COUNSELLOR = "landelijk@demo.geldhulp.nl"
PASSWORD = "demo-geldhulp"


def async_url(url: str) -> str:
    return url.replace("sqlite:///", "sqlite+aiosqlite:///").replace(
        "postgresql://", "postgresql+asyncpg://"
    )


@pytest.fixture
async def app_client(db_url, fakes, rasa_proxy, rasa_stack) -> AsyncIterator[TestClient]:  # type: ignore[no-untyped-def]
    """The gateway with the demo team (open around the clock); its own retention and forget-me
    loop works on Rasa's real store."""
    telegram, graph = fakes
    async with open_database(db_url) as (_e, factory):
        await seed_team(factory, if_empty=False)
        async with factory() as s:
            for team in (await s.scalars(select(Team))).all():
                team.opening_hours = ALWAYS_OPEN
            await s.commit()
    settings = dataclasses.replace(
        make_settings(db_url, telegram, graph, rasa_proxy.url),
        rasa_tracker_url=async_url(rasa_stack.tracker_url),
    )
    app = create_app(settings, pacing={}, retry_base=0.05)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    yield client
    await client.close()


async def csrf_of(client: TestClient, path: str) -> str:
    page = await (await client.get(path)).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


async def rasa_tracker_texts(rasa_stack: Any, conversation_id: str) -> str:
    """What the running Rasa answers when asked for this conversation's tracker."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{rasa_stack.rasa_url}/conversations/{conversation_id}/tracker",
            params={"token": rasa_stack.token},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as resp,
    ):
        assert resp.status == 200
        return await resp.text()


async def wait_until(check, what: str, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    """Poll ``check`` until it holds (bounded: a hang fails the test, naming ``what``)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.2)


async def settled(db_url: str) -> None:
    """Wait until every accepted message is handled and every reply is sent."""

    async def nothing_pending() -> bool:
        async with open_database(db_url) as (_e, factory), factory() as s:
            inbox = await s.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.status == "pending")
            )
            outbox = await s.scalar(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
            )
        return inbox == 0 and outbox == 0

    await wait_until(nothing_pending, "inbox and outbox empty")


async def conversation_of(db_url: str) -> str:
    async with open_database(db_url) as (_e, factory), factory() as s:
        conv_id = await s.scalar(select(Conversation.id))
    assert conv_id
    return str(conv_id)


async def resident_talks_and_a_counsellor_notes(
    client: TestClient, telegram: Any, db_url: str, chat: int, secrets: dict[str, str]
) -> str:
    """A resident tells their name, number and a code word; asks for a person; a counsellor
    takes the chat, writes a note with the name and number, and hands it back."""
    name, phone, word = secrets["name"], secrets["phone"], secrets["word"]
    await tg(client, chat * 10 + 1, chat, f"hoi ik ben {name.lower()}, bel me op {phone}")
    first = await telegram.wait_for(1, chat_id=chat)
    assert first[0]["text"].startswith(TEXTS.render("utter_disclosure").text)  # AI Act art. 50
    await settled(db_url)
    await tg(client, chat * 10 + 2, chat, f"{word} {word} xq")  # not understood: kept, redacted
    await settled(db_url)
    await tg(client, chat * 10 + 3, chat, "ik wil met een mens praten")
    await settled(db_url)
    await tg(client, chat * 10 + 4, chat, payload="/choose_counsellor")
    await wait_handover(db_url)
    conv_id = await conversation_of(db_url)
    assert await post_login(client, COUNSELLOR, PASSWORD) == "/console/"
    csrf = await csrf_of(client, "/console/")
    await client.post(f"/console/c/{conv_id}/take", data={"csrf": csrf})
    await client.post(
        f"/console/c/{conv_id}/note", data={"csrf": csrf, "text": f"{name} belt {phone}, {word}"}
    )
    await client.post(f"/console/c/{conv_id}/reply", data={"csrf": csrf, "text": f"Dag {name}!"})
    await client.post(f"/console/c/{conv_id}/back", data={"csrf": csrf})
    await settled(db_url)
    assert TEXTS.render("utter_disclosure_back").text in [m["text"] for m in telegram.sent(chat)]
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await s.scalar(select(func.count()).select_from(Note)) == 1
        assert await s.scalar(select(func.count()).select_from(UnansweredQuestion)) >= 1
    return conv_id


@pytest.mark.parametrize("db_backend", ["sqlite", "postgres"], indirect=True)
async def test_forget_me_leaves_nothing_in_any_table_or_in_rasa(
    app_client,
    fakes,
    db_url,
    rasa_stack,  # type: ignore[no-untyped-def]
) -> None:
    telegram, _ = fakes
    # Rasa's store is shared by every test of the run (both workers): these values are this
    # resident's own, one set per backend, since both may run at once (0612345678 was also sent to
    # Rasa by tests/dashboard/test_review_loop.py, never forgotten)
    own = {
        "sqlite": ("7301234567", "0641729385", "zebrahaai", "Verbeek"),
        "postgres": ("7301234589", "0641729396", "okapibeer", "Verhagen"),
    }["postgres" if db_url.startswith("postgresql") else "sqlite"]
    chat = int(own[0])
    secrets = {"name": f"Jolanda {own[3]}", "phone": own[1], "word": own[2]}
    conv_id = await resident_talks_and_a_counsellor_notes(
        app_client, telegram, db_url, chat, secrets
    )
    needles = [*secrets.values(), own[3], str(chat)]

    async def rasa_has_it() -> bool:  # Rasa stores the turn as it answers
        return bool(await find_everywhere(async_url(rasa_stack.tracker_url), [secrets["word"]]))

    await wait_until(rasa_has_it, "Rasa's tracker store has the resident's words")

    await tg(app_client, chat * 10 + 5, chat, "verwijder al mijn gegevens")
    await settled(db_url)
    question = telegram.sent(chat)[-1]
    assert question["text"] == TEXTS.render("utter_forget_me_confirm").text
    assert "inline_keyboard" in str(question.get("reply_markup"))
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await s.scalar(select(func.count()).select_from(Note)) == 1  # nothing gone yet
    await tg(app_client, chat * 10 + 6, chat, payload="/forget_me_confirm")
    await settled(db_url)
    done = telegram.sent(chat)[-1]
    assert TEXTS.render("utter_forget_me_done").text in done["text"]

    async def all_gone() -> bool:
        async with open_database(db_url) as (_e, factory), factory() as s:
            return await s.scalar(select(func.count()).select_from(Conversation)) == 0

    await wait_until(all_gone, "the sweep deletes the empty conversation")
    assert await find_everywhere(db_url, needles) == []
    assert await find_everywhere(async_url(rasa_stack.tracker_url), needles) == []
    tracker = await rasa_tracker_texts(rasa_stack, conv_id)
    assert not [n for n in needles if n.lower() in tracker.lower()], tracker
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await s.scalar(select(func.count()).select_from(AnalyticsEvent)) > 0  # counts stay


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_retention_purge_leaves_nothing_either(
    app_client,
    fakes,
    db_url,
    rasa_stack,  # type: ignore[no-untyped-def]
) -> None:
    telegram, _ = fakes
    chat = 7309876543
    secrets = {"name": "Gert Hoekstra", "phone": "0687654321", "word": "paraplu"}
    conv_id = await resident_talks_and_a_counsellor_notes(
        app_client, telegram, db_url, chat, secrets
    )
    needles = [*secrets.values(), "Hoekstra", str(chat)]
    tracker = RasaTrackerStore(async_url(rasa_stack.tracker_url))
    try:
        async with open_database(db_url) as (_e, factory):
            later = utcnow() + timedelta(days=91)  # as if 91 days passed without a word
            await run_retention(
                factory, Erasure(schema.metadata()), RetentionPolicy(90), tracker, now=later
            )
    finally:
        await tracker.close()
    assert await find_everywhere(db_url, needles) == []
    assert await find_everywhere(async_url(rasa_stack.tracker_url), needles) == []
    assert not [
        n for n in needles if n.lower() in (await rasa_tracker_texts(rasa_stack, conv_id)).lower()
    ]
