"""Residents' files leave with the rest: forget-me ("verwijder mijn gegevens") and the retention
purge delete them (both backends); untaken web uploads go after an hour; nothing of a file
reaches the logs or the analytics events."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot import schema
from bot.analytics.tables import AnalyticsEvent
from bot.conversations.erasure import Erasure
from bot.conversations.tables import Conversation
from bot.media import MediaFile, delete_untaken, sniff
from bot.media.keys import MEDIA
from bot.privacy.retention import RetentionPolicy, purge
from bot.storage.base import utcnow
from tests.media.conftest import Site, jpeg, new_chat, ogg_opus


async def test_forget_me_deletes_the_files(site: Site) -> None:
    chat = new_chat()
    await site.telegram_file(chat, "photo", "f-photo", jpeg())
    await site.telegram_file(chat, "voice", "f-voice", ogg_opus())
    other = new_chat()
    await site.telegram_file(other, "voice", "f-other", ogg_opus())
    assert len(await site.files()) == 3
    await site.telegram_text(chat, "verwijder mijn gegevens")
    left = await site.files()
    assert len(left) == 1  # only the other resident's file
    assert left[0].conversation_id == (await site.conversation_of(str(other))).id


async def test_retention_deletes_old_files(site: Site) -> None:
    old_chat, young_chat = new_chat(), new_chat()
    await site.telegram_file(old_chat, "photo", "r-old", jpeg())
    await site.telegram_file(young_chat, "voice", "r-young-old-file", ogg_opus())
    await site.telegram_file(young_chat, "voice", "r-young-new-file", ogg_opus())
    old = await site.conversation_of(str(old_chat))
    young = await site.conversation_of(str(young_chat))
    long_ago = utcnow() - timedelta(days=200)
    async with site.factory() as s:
        await s.execute(
            update(Conversation).where(Conversation.id == old.id).values(last_activity_at=long_ago)
        )
        await s.execute(
            update(MediaFile).where(MediaFile.conversation_id == old.id).values(created_at=long_ago)
        )
        first = await s.scalar(
            select(MediaFile.id)
            .where(MediaFile.conversation_id == young.id)
            .order_by(MediaFile.created_at)
            .limit(1)
        )
        await s.execute(update(MediaFile).where(MediaFile.id == first).values(created_at=long_ago))
        await s.commit()
    async with site.factory() as s:
        report = await purge(s, Erasure(schema.metadata()), RetentionPolicy(90))
        await s.commit()
    assert report.other_rows.get("media_files") == 2
    left = await site.files()
    assert [r.conversation_id for r in left] == [young.id]
    assert left[0].id != first


async def test_untaken_uploads_are_deleted_after_an_hour(site: Site) -> None:
    store = site.client.app[MEDIA].store
    async with site.factory() as s:
        fresh = store.add(s, jpeg(), sniff(jpeg()), channel="web", owner_hash="x")
        stale = store.add(s, jpeg(), sniff(jpeg()), channel="web", owner_hash="y")
        await s.flush()
        stale.created_at = utcnow() - timedelta(hours=2)
        await s.commit()
        fresh_id, stale_id = fresh.id, stale.id
    async with site.factory() as s:
        # (the app's own loop may have been first: then there is nothing left to delete)
        assert await delete_untaken(s, utcnow() - timedelta(hours=1)) in (0, 1)
        await s.commit()
    assert [r.id for r in await site.files()] == [fresh_id]
    assert stale_id != fresh_id


async def test_no_file_content_or_id_in_logs_or_analytics(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    chat = new_chat()
    await site.telegram_file(chat, "photo", "secret-file-id-123", jpeg())
    await site.telegram_file(chat, "document", "secret-file-id-456", b"MZ-not-a-picture" * 20)
    text = " ".join(r.getMessage() for r in caplog.records if r.name.startswith("bot"))
    assert "media not kept" in text  # our own line: channel, type and reason only
    assert "secret-file-id" not in text and "Incasso Noord" not in text
    async with site.factory() as s:
        events = (await s.scalars(select(AnalyticsEvent))).all()
    dumped = " ".join(str(e.data) for e in events)
    assert "secret-file-id" not in dumped and "120.00" not in dumped
