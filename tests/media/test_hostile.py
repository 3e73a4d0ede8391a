"""Hostile files get a kind answer and nothing is kept: a program renamed .jpg, a 30 MB file
(announced, or not announced and stopped during the download), a PDF bomb, a broken image."""

from __future__ import annotations

import pytest

from bot.letters.limits import DEFAULT_LIMITS
from bot.media import MediaRefused, check_bytes, sniff
from bot.texts import TextCatalog
from tests.letters.hostile import pdf_zip_bomb, png_bomb
from tests.media.conftest import Site, jpeg, new_chat, ogg_opus

TEXTS = TextCatalog.load()
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"This program cannot be run"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
BIG = 30 * 1024 * 1024


def said(name: str) -> str:
    return TEXTS.render(name).text


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (PROGRAM, "unsupported"),
        (ELF, "unsupported"),
        (b"GIF89a" + b"\x00" * 50, "unsupported"),
        (jpeg()[:300], "broken"),  # a JPEG cut off
        (b"\xff\xd8\xff\xe0" + b"garbage" * 40, "broken"),
        (b"%PDF-1.4\n1 0 obj\n", "broken"),  # no end
        (png_bomb(), "too_large"),
        (b"\x00" * (11 * 1024 * 1024), "too_large"),
    ],
)
def test_the_door_refuses_by_the_bytes(data: bytes, code: str) -> None:
    with pytest.raises(MediaRefused) as caught:
        check_bytes(data)
    assert caught.value.code == code


def test_the_door_takes_photos_pdfs_and_voice_notes() -> None:
    assert check_bytes(jpeg()).kind == "image"
    assert sniff(ogg_opus()).content_type == "audio/ogg"
    assert check_bytes(b"%PDF-1.4\n%%EOF\n").kind == "pdf"


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (PROGRAM, "utter_letter_file_unsupported"),
        (jpeg()[:400], "utter_letter_file_broken"),
        (png_bomb(), "utter_letter_file_too_large"),
    ],
    ids=["program-renamed-jpg", "broken-image", "png-bomb"],
)
async def test_hostile_telegram_documents(site: Site, data: bytes, answer: str) -> None:
    chat = new_chat()
    got = await site.telegram_file(chat, "document", "evil", data, mime="image/jpeg")
    assert got[-1].endswith(said(answer))
    assert await site.files() == []
    assert site.read_calls == []


async def test_a_30_mb_file_announced_is_not_downloaded(site: Site) -> None:
    chat = new_chat()
    got = await site.telegram_file(chat, "document", "huge", b"\xff\xd8\xff", size=BIG)
    assert got[-1].endswith(said("utter_letter_file_too_large"))
    assert (
        site.telegram.downloads == []
        and ("getFile", {"file_id": "huge"}) not in site.telegram.calls
    )
    assert await site.files() == []


async def test_a_30_mb_file_that_lies_about_its_size_is_stopped(site: Site) -> None:
    chat = new_chat()
    site.telegram.announced["liar"] = 1000
    got = await site.telegram_file(chat, "document", "liar", b"\xff\xd8\xff" + b"\x00" * BIG)
    assert got[-1].endswith(said("utter_letter_file_too_large"))
    assert site.telegram.downloads == ["liar"]
    assert await site.files() == []


async def test_a_pdf_bomb_is_refused_by_the_reader_and_not_kept(site: Site) -> None:
    from bot.app import MEDIA_FLOW
    from bot.letters.read import read_letter

    site.client.app[MEDIA_FLOW].read = lambda data, ct: read_letter(data, ct, limits=DEFAULT_LIMITS)
    bomb = pdf_zip_bomb(120)
    assert len(bomb) < 2 * 1024 * 1024
    got = await site.telegram_file(new_chat(), "document", "bomb", bomb, mime="application/pdf")
    assert got[-1].endswith(said("utter_letter_file_too_large"))
    assert await site.files() == []


async def test_a_pdf_bomb_for_a_person_is_not_kept_either(site: Site) -> None:
    chat = new_chat()
    await site.telegram_press(chat, "/ask_human")  # handed over (fake Rasa)
    got = await site.telegram_file(chat, "document", "bomb2", pdf_zip_bomb(120))
    assert got[-1].endswith(said("utter_letter_file_too_large"))
    assert await site.files() == []
