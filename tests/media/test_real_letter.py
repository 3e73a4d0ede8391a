"""A real letter photo from tests/letters/data, sent on Telegram, read by the real reader (OCR
in a worker thread) and explained in the chat; then confirmed."""

from __future__ import annotations

from bot.app import MEDIA_FLOW
from bot.conversations.media_flow import _read
from tests.letters.conftest import letter_file
from tests.media.conftest import Site, new_chat


async def test_a_photographed_letter_is_read_and_explained_end_to_end(sqlite_site: Site) -> None:
    site = sqlite_site
    site.client.app[MEDIA_FLOW].read = _read  # the real reader, as in production
    photo = letter_file("aanmaning_energie_noord").read_bytes()
    chat = new_chat()
    got = await site.telegram_file(chat, "photo", "letter-photo", photo)
    text = got[-1]
    assert "Klopt dit?" in text
    assert "€ 284,00" in text  # the total, not a line of the table
    assert "17 maart 2025" in text  # 14 days after the letter's date
    assert "Energie Noord" in text
    got = await site.telegram_press(chat, "/affirm")
    [row] = await site.files()
    assert row.reading is not None
    assert row.reading["kind"] == "aanmaning" and row.reading["amount_due"] == "284.00"
    assert row.reading["answer"] == "yes" and not row.reading["urgent"]
