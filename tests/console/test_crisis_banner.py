"""One crisis banner line per conversation, named ("Crisis in gesprek 12, wacht 2 min"), gone
when the chat is taken, marked handled or erased (issue 18: they piled up unlabelled, one even
for an erased chat); labels on a conversation belong to its team."""

from __future__ import annotations

import re

from bot.conversations.tables import Conversation
from tests.console.test_console_live import login
from tests.conversations.conftest import Gateway

CRISIS = "ik zie het echt niet meer zitten, ik wil dood"


def banner_lines(html: str) -> list[str]:
    block = html.split('id="crisis-list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li data-id="([0-9a-f-]{36})">', block)


async def test_one_named_line_per_conversation_gone_when_taken(own_gw: Gateway) -> None:
    resident = await own_gw.waiting()
    await resident.say(CRISIS)
    await resident.say("ik wil echt niet meer leven")  # a second crisis alert, same chat
    client = own_gw.client
    csrf = await login(client)
    html = await (await client.get("/console/")).text()
    assert banner_lines(html) == [resident.conversation_id]
    number = (await resident.handover()).id
    assert f"Crisis in gesprek {number}, wacht " in html
    taken = await client.post(
        f"/console/c/{resident.conversation_id}/take",
        data={"csrf": csrf},
        headers={"Accept": "application/json"},
    )
    assert taken.status == 200
    html = await (await client.get("/console/")).text()
    assert banner_lines(html) == []
    assert "hidden" in html.split('id="crisis-banner"')[1][:80]


async def test_a_crisis_while_taken_names_the_person_and_handled_removes_it(
    own_gw: Gateway,
) -> None:
    resident = await own_gw.with_person()
    await resident.say(CRISIS)
    client = own_gw.client
    csrf = await login(client)
    html = await (await client.get("/console/")).text()
    assert banner_lines(html) == [resident.conversation_id]
    assert "bij Sanne (test)" in html
    done = await client.post(
        f"/console/c/{resident.conversation_id}/crisis-seen",
        data={"csrf": csrf},
        headers={"Accept": "application/json"},
    )
    assert done.status == 200
    assert banner_lines(await (await client.get("/console/")).text()) == []


async def test_an_erased_conversation_leaves_no_banner(own_gw: Gateway) -> None:
    resident = await own_gw.waiting()
    await resident.say(CRISIS)
    await resident.say("verwijder mijn gegevens")
    await resident.say(payload="/forget_me_confirm")
    client = own_gw.client
    await login(client)
    html = await (await client.get("/console/")).text()
    assert banner_lines(html) == []
    assert f"/console/c/{resident.conversation_id}" not in html


async def test_labels_are_added_and_removed_and_another_team_may_not(own_gw: Gateway) -> None:
    resident = await own_gw.waiting()
    client = own_gw.client
    csrf = await login(client)
    url = f"/console/c/{resident.conversation_id}/labels"
    json = {"Accept": "application/json"}
    assert (await client.post(url, data={"csrf": csrf, "add": "  brief  CJIB "}, headers=json)).ok
    async with own_gw.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        assert conv is not None and conv.summary["labels"] == ["brief CJIB"]
    rows = await (await client.get("/console/api/queue")).json()
    assert next(r for r in rows if r["id"] == resident.conversation_id)["labels"] == ["brief CJIB"]
    assert (await client.post(url, data={"csrf": csrf, "remove": "brief CJIB"}, headers=json)).ok
    async with own_gw.factory() as s:
        conv = await s.get(Conversation, resident.conversation_id)
        assert conv is not None and conv.summary["labels"] == []
    await client.post("/console/logout", data={"csrf": csrf})
    other = await login(client, "dicht@test.geldhulp.nl")
    refused = await client.post(url, data={"csrf": other, "add": "x"}, headers=json)
    assert refused.status == 403
