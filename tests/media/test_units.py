"""Units of the Media part: the cipher, the key rules, the channels' file references (every
shared fixture of both channels parses), and the explanation in the conversation's language."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path

import pytest

from bot.channels.telegram import parse_update
from bot.channels.whatsapp import parse_webhook
from bot.letters.explain import after_confirmation, explain
from bot.media import MediaCipher, MediaError, cipher_from_settings
from bot.media.crypto import parse_key
from bot.settings import Secret, Settings, SettingsError
from bot.texts import TextCatalog
from tests.gateway.conftest import FIXTURES, fixture
from tests.media.conftest import reading

TEXTS = TextCatalog.load()


def test_sealed_files_open_only_for_their_row_and_key() -> None:
    cipher = MediaCipher(b"k" * 32)
    sealed = cipher.seal(b"a letter", "row-1")
    assert b"a letter" not in sealed
    assert cipher.open(sealed, "row-1") == b"a letter"
    assert cipher.seal(b"a letter", "row-1") != sealed  # a fresh nonce each time
    with pytest.raises(MediaError):
        cipher.open(sealed, "row-2")  # copied to another row
    with pytest.raises(MediaError):
        MediaCipher(b"x" * 32).open(sealed, "row-1")
    assert "k" * 8 not in repr(cipher)


def test_the_key_comes_from_the_settings_and_production_requires_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = b"\x01" * 32
    assert parse_key(key.hex()) == key
    assert parse_key(base64.urlsafe_b64encode(key).decode()) == key
    with pytest.raises(SettingsError):
        parse_key("too-short")
    production = Settings(env="production", secret_key=Secret("s" * 40))
    with pytest.raises(SettingsError, match="GELDHULP_MEDIA_KEY"):
        cipher_from_settings(production, environ={"GELDHULP_ENV": "production"})
    with caplog.at_level(logging.ERROR, logger="bot.media"):
        cipher_from_settings(production, environ={})  # built in code: loud, not fatal
    assert "outside development" in caplog.text
    given = cipher_from_settings(production, environ={"GELDHULP_MEDIA_KEY": key.hex()})
    assert given.key_id == MediaCipher(key).key_id
    extra = Settings(env="production", extra={"media_key": key.hex()})
    assert cipher_from_settings(extra, environ={}).key_id == given.key_id
    with caplog.at_level(logging.WARNING, logger="bot.media"):
        derived = cipher_from_settings(Settings(env="development"), environ={})
    assert "development only" in caplog.text
    assert derived.key_id != given.key_id


def _all(kind: str) -> list[str]:
    return sorted(p.stem for p in (FIXTURES / kind).glob("*.json"))


@pytest.mark.parametrize("name", _all("telegram"))
def test_every_telegram_fixture_parses(name: str) -> None:
    body = fixture(name)
    if "update_id" not in body:
        body = {"update_id": 1, "message": body}
    parse_update(body)  # never raises on a real payload


@pytest.mark.parametrize("name", _all("whatsapp"))
def test_every_whatsapp_fixture_parses(name: str) -> None:
    body = fixture(name)
    if body.get("object") == "whatsapp_business_account":
        parse_webhook(body)


@pytest.mark.parametrize(
    ("name", "media_id", "media_type"),
    [
        ("wa_msg_image", "65463453", "image"),
        ("wa_msg_document", "1234567890987654321", "document"),
        ("wa_msg_audio_voice_note", "1234567890987654321", "voice"),
        ("wa_msg_audio_file_forwarded", None, "audio"),
    ],
)
def test_whatsapp_files_carry_their_media_id(
    name: str, media_id: str | None, media_type: str
) -> None:
    [inbound], _ = parse_webhook(fixture(name))
    assert inbound.media_type == media_type
    ref = inbound.extra.get("media")
    assert ref is not None and ref["id"]
    if media_id:
        assert ref["id"] == media_id


def test_telegram_photo_document_and_voice_carry_their_file() -> None:
    base = fixture("tg_private_text")
    del base["message"]["text"]
    photo = [
        {"file_id": "small", "width": 90, "height": 60, "file_size": 900},
        {"file_id": "big", "width": 4000, "height": 3000, "file_size": 30_000_000},
        {"file_id": "mid", "width": 1280, "height": 960, "file_size": 200_000},
    ]
    for key, value, expected in [
        ("photo", photo, "mid"),  # the largest within the limit
        ("document", {"file_id": "doc", "mime_type": "application/pdf"}, "doc"),
        ("voice", {"file_id": "v", "mime_type": "audio/ogg", "file_size": "x"}, "v"),
    ]:
        body = json.loads(json.dumps(base))
        body["message"][key] = value
        inbound = parse_update(body)
        assert inbound is not None and inbound.extra["media"]["id"] == expected
    body = json.loads(json.dumps(base))
    body["message"]["sticker"] = {"file_id": "s"}
    inbound = parse_update(body)
    assert inbound is not None and "media" not in inbound.extra  # stickers are not fetched


@pytest.mark.parametrize("language", ["nl", "en", "tr", "pl", "uk", "ar"])
def test_the_explanation_comes_in_the_conversations_language(language: str) -> None:
    said = explain(reading(), TEXTS, "telegram", language)
    expected = TEXTS.render(
        "utter_letter_summary", language=language, sender="", what="", todo="", when=""
    )
    assert said[-1].text.split("\n")[0] == expected.text.split("\n")[0]
    assert [p for _t, p in said[-1].buttons] == ["/affirm", "/deny"]
    todo = TEXTS.render("utter_letter_todo_aanmaning", language=language).text
    assert todo in said[-1].text
    confirmed = after_confirmation(reading(), True, TEXTS, language)
    assert confirmed.text == TEXTS.render("utter_letter_confirmed", language=language).text


def test_fixture_folder_is_there() -> None:
    assert Path(FIXTURES).is_dir()
