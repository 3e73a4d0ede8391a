"""The web chat's upload button: a photo or PDF of a letter reaches the chat flow; type and size
are judged at the door (by the bytes, in chunks), a refused file gets a kind sentence, and
nothing of it is kept."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bot.texts import TextCatalog
from tests.media.conftest import Site, jpeg

TEXTS = TextCatalog.load()
PROGRAM = b"MZ\x90\x00" + b"\x00" * 400


def origin(client: TestClient) -> str:
    return f"http://{client.host}:{client.port}"


async def open_chat(client: TestClient) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    ws = await client.ws_connect("/chat/ws", headers={"Origin": origin(client)})
    await ws.send_json({"type": "hello", "token": None})
    welcome = await ws.receive_json(timeout=10)
    return ws, str(welcome["token"])


async def post_file(
    client: TestClient, token: str, data: bytes, *, name: str = "brief.jpg", own: bool = True
) -> aiohttp.ClientResponse:
    form = aiohttp.FormData()
    form.add_field("token", token)
    form.add_field("id", "upload-1")
    form.add_field("file", data, filename=name, content_type="image/jpeg")
    headers = {"Origin": origin(client) if own else "https://elders.example"}
    return await client.post("/chat/upload", data=form, headers=headers)


async def replies(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while len(got) < count:
        message = await ws.receive_json(timeout=30)
        if message.get("type") == "message":
            got.append(message)
    return got


async def test_an_uploaded_letter_is_explained_in_the_chat(site: Site) -> None:
    ws, token = await open_chat(site.client)
    response = await post_file(site.client, token, jpeg())
    assert response.status == 200, await response.text()
    [answer] = await replies(ws, 1)
    assert "Klopt dit?" in answer["text"]
    assert [b["payload"] for b in answer["buttons"]] == ["/affirm", "/deny"]
    [row] = await site.files()
    assert row.channel == "web" and row.conversation_id and row.owner_hash is None
    await ws.close()


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (PROGRAM, "utter_letter_file_unsupported"),
        (jpeg()[:500], "utter_letter_file_broken"),
        (b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024), "utter_letter_file_too_large"),
    ],
    ids=["program-renamed-jpg", "broken-image", "11-mb"],
)
async def test_refused_uploads_get_a_kind_sentence_and_nothing_is_kept(
    site: Site, data: bytes, answer: str
) -> None:
    ws, token = await open_chat(site.client)
    response = await post_file(site.client, token, data)
    assert response.status == 422
    assert (await response.json())["message"] == TEXTS.render(answer).text
    assert await site.files() == []
    await ws.close()


async def test_uploads_from_another_site_or_without_a_chat_are_refused(site: Site) -> None:
    _ws, token = await open_chat(site.client)
    assert (await post_file(site.client, token, jpeg(), own=False)).status == 403
    assert (await post_file(site.client, "short", jpeg())).status == 400
    assert await site.files() == []
