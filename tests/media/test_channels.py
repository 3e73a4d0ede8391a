"""Residents' files through each channel's fake: Telegram getFile and the file route, the
Graph API's media URL and download with the bearer token; what the resident hears back."""

from __future__ import annotations

from bot.app import MEDIA_CIPHER
from bot.texts import TextCatalog
from tests.media.conftest import Site, jpeg, new_chat, ogg_opus, reading

TEXTS = TextCatalog.load()


def said(name: str, **values: str) -> str:
    return TEXTS.render(name, **values).text


async def test_telegram_voice_note_is_kept_and_answered_honestly(site: Site) -> None:
    chat = new_chat()
    got = await site.telegram_file(chat, "voice", "voice-1", ogg_opus(), mime="audio/ogg")
    assert got[-1].endswith(said("utter_media_voice"))  # after the AI disclosure
    assert ("getFile", {"file_id": "voice-1"}) in site.telegram.calls
    assert site.telegram.downloads == ["voice-1"]
    [row] = await site.files()
    assert row.kind == "voice" and row.content_type == "audio/ogg"
    assert ogg_opus() not in row.sealed  # sealed at rest
    assert site.client.app[MEDIA_CIPHER].open(row.sealed, row.id) == ogg_opus()
    assert site.read_calls == []  # no transcript, nothing read


async def test_telegram_letter_photo_is_explained_and_confirmed(site: Site) -> None:
    chat = new_chat()
    photo = jpeg()
    got = await site.telegram_file(chat, "photo", "photo-1", photo)
    assert site.telegram.downloads == ["photo-1"]  # the largest size, not the thumbnail
    assert site.read_calls == [len(photo)]
    assert "Klopt dit?" in got[-1] and "€ 120,00" in got[-1]
    sent = site.telegram.sent(chat)[-1]
    assert "/affirm" in str(sent.get("reply_markup"))
    got = await site.telegram_press(chat, "/affirm")
    # the letter's answer, then the plan is offered once (issue 20)
    assert got == [said("utter_letter_confirmed"), said("utter_plan_offer")]
    assert site.rasa.messages == []  # the answer to "Klopt dit?" stays in the gateway
    [row] = await site.files()
    assert row.reading is not None and row.reading["answer"] == "yes"
    assert row.reading["kind"] == "aanmaning" and row.reading["amount_due"] == "120.00"


async def test_low_confidence_asks_for_a_sharper_photo(site: Site) -> None:
    site.next_reading = reading(confidence=0.2)
    chat = new_chat()
    got = await site.telegram_file(chat, "photo", "blurry", jpeg())
    assert got[-1].endswith(said("utter_letter_unsure"))
    got = await site.telegram_press(chat, "/deny")  # "Nieuwe foto"
    assert got == [said("utter_media_new_photo")]


async def test_whatsapp_image_is_fetched_with_the_token(site: Site) -> None:
    site.graph.media["65463453"] = (jpeg(), "image/jpeg")
    sent = await site.whatsapp_file("31612345678", "wa_msg_image", "65463453")
    assert site.graph.media_auth == [f"Bearer {site.graph.token}"] * 2  # URL and download
    assert site.read_calls
    assert any("Klopt dit?" in str(m) for m in sent)
    [row] = await site.files()
    assert row.channel == "whatsapp" and row.kind == "image"


async def test_whatsapp_voice_note_and_pdf(site: Site) -> None:
    site.graph.media["777"] = (ogg_opus(), "audio/ogg; codecs=opus")
    sent = await site.whatsapp_file("31611111111", "wa_msg_audio_voice_note", "777")
    assert "spraakberichten" in str(sent[-1])
    from tests.letters.hostile import pdf_pages

    site.graph.media["888"] = (pdf_pages(1), "application/pdf")
    await site.whatsapp_file("31611111111", "wa_msg_document", "888")
    kinds = sorted(r.kind for r in await site.files())
    assert kinds == ["pdf", "voice"]


async def test_a_file_the_channel_will_not_give_gets_a_kind_answer(site: Site) -> None:
    chat = new_chat()
    got = await site.telegram_file(chat, "photo", "expired", None)
    assert got[-1].endswith(said("utter_media_unavailable"))
    assert await site.files() == []


async def test_audio_we_cannot_play_gets_the_honest_voice_answer(site: Site) -> None:
    site.graph.media["mp3"] = (b"ID3\x03\x00" + b"\x00" * 300, "audio/mpeg")
    sent = await site.whatsapp_file("31622222222", "wa_msg_audio_file_forwarded", "mp3")
    assert "spraakberichten" in str(sent[-1])
    assert await site.files() == []


async def test_a_voice_note_the_channel_will_not_give_still_gets_the_voice_answer(
    site: Site,
) -> None:
    got = await site.telegram_file(new_chat(), "voice", "gone-voice", None)
    assert got[-1].endswith(said("utter_media_voice"))


async def test_another_message_closes_the_question(site: Site) -> None:
    chat = new_chat()
    await site.telegram_file(chat, "photo", "closing", jpeg())
    await site.telegram_text(chat, "ik heb een vraag over huur")
    await site.telegram_press(chat, "/affirm")  # now the assistant's Ja, not the letter's
    assert site.rasa.messages == ["ik heb een vraag over huur", "/affirm"]
    [row] = await site.files()
    assert row.reading is not None and row.reading.get("asked") is None
    assert "answer" not in row.reading
