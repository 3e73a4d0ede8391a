"""A municipality's edit on the dashboard shows at once on /hulp/<gemeente> and in the chat.

The real gateway (dashboard and help page) and the real Rasa with its action server share one
database; nothing is cached in between.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.demo.team import DEMO_PASSWORD
from bot.demo.team import seed as seed_team
from bot.storage.db import open_database
from tests.helppage.conftest import settings_for
from tests.support.rasa_client import Conversation
from tests.support.staff_login import post_login

pytestmark = pytest.mark.rasa
ADMIN = "admin@demo.geldhulp.nl"
ZWOLLE = "GM0193"  # a municipality no other conversation test looks at
SERVICE_ID = "inloop-geldvragen-testgegevens-gm0193"
NEW = {
    "name": "Inloop Geldvragen (testgegevens)",
    "description": "Een testgegeven voor de test van het dashboard. Je kunt zonder afspraak binnenlopen.",
    "address": "Teststraat 1, Zwolle",
    "walk_in_place": "ja",
    "hours_di_from": "09:00",
    "hours_di_until": "12:00",
    "categories": "debt_help",
}


@pytest.fixture
async def gateway(rasa_stack) -> AsyncIterator[TestClient]:  # type: ignore[no-untyped-def]
    """The gateway on the action server's own database, with the demo staff."""
    async with open_database(rasa_stack.database_url) as (_e, factory):
        await seed_team(factory, if_empty=True)
    client = TestClient(
        TestServer(
            create_app(
                # plain http on loopback, so the staff cookie is not marked Secure
                settings_for(rasa_stack.database_url, public_url="http://127.0.0.1:8080"),
                pacing={},
                workers=False,
            ),
            host="127.0.0.1",
        )
    )
    await client.start_server()
    yield client
    await client.close()


async def admin_csrf(client: TestClient) -> str:
    response = await post_login(client, ADMIN, DEMO_PASSWORD)
    assert response.status == 302
    page = await client.get(f"/dashboard/lokale-hulp?gemeente={ZWOLLE}")
    html = await page.text()
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, (page.status, html[:500])
    return match.group(1)


async def chat_about_zwolle(rasa_url: str) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        chat = Conversation(session, rasa_url)
        await chat.say("ik heb schulden")
        await chat.say("/find_local_help")
        return await chat.say("Zwolle")


def option(messages: list[dict[str, Any]], name: str) -> str:
    """The chat message that offers the entry ``name`` ('' when not offered)."""
    return next((m.get("text", "") for m in messages if name in m.get("text", "")), "")


def entry_block(html: str, name: str) -> str:
    """The page's entry for ``name``, up to the next entry or the end of its section."""
    if name not in html:
        return ""
    rest = html.split(name, 1)[1]
    return re.split(r'<li class="entry|</section>', rest, maxsplit=1)[0]


async def test_page_and_chat_show_the_same_entries_after_a_dashboard_edit(
    gateway: TestClient,
    rasa_stack,  # type: ignore[no-untyped-def]
) -> None:
    name = "Inloop Geldvragen (testgegevens)"
    hours = "di 09.00-12.00, Teststraat 1, Zwolle"
    csrf = await admin_csrf(gateway)
    before_page = await (await gateway.get("/hulp/zwolle")).text()
    assert name not in before_page
    assert not option(await chat_about_zwolle(rasa_stack.rasa_url), name)
    try:
        saved = await gateway.post(
            f"/dashboard/lokale-hulp/nieuw?gemeente={ZWOLLE}",
            data={**NEW, "csrf": csrf},
            allow_redirects=False,
        )
        assert saved.status == 303, await saved.text()
        page = await (await gateway.get("/hulp/zwolle")).text()
        offered = option(await chat_about_zwolle(rasa_stack.rasa_url), name)
        assert hours in entry_block(page, name) and hours in offered
        assert "nog niet gecontroleerd" in entry_block(page, name)
        assert "Check ze even voor je gaat" in offered

        today = date.today()
        checked = await gateway.post(
            f"/dashboard/lokale-hulp/hulp/{SERVICE_ID}?gemeente={ZWOLLE}",
            data={**NEW, "csrf": csrf, "checked": "ja", "checked_on": today.strftime("%d-%m-%Y")},
            allow_redirects=False,
        )
        assert checked.status == 303
        page = await (await gateway.get("/hulp/zwolle")).text()
        offered = option(await chat_about_zwolle(rasa_stack.rasa_url), name)
        assert hours in entry_block(page, name) and hours in offered
        assert "nog niet gecontroleerd" not in entry_block(page, name)
        assert f"gecontroleerd op {today.strftime('%d-%m-%Y')}" in entry_block(page, name)
        assert "Check ze even" not in offered  # checked now: shown as a fact, in both places
    finally:
        await gateway.post(
            f"/dashboard/lokale-hulp/hulp/{SERVICE_ID}/verwijderen?gemeente={ZWOLLE}",
            data={"csrf": csrf},
        )
    assert name not in await (await gateway.get("/hulp/zwolle")).text()
    assert not option(await chat_about_zwolle(rasa_stack.rasa_url), name)
