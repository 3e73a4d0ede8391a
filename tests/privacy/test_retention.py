"""Retention per municipality: the purge empties our tables (every column checked) and Rasa's own
SQL tracker store (written and read back with Rasa's SQLTrackerStore), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import schema
from bot.analytics.tables import AnalyticsEvent
from bot.conversations.erasure import Erasure
from bot.conversations.tables import Message
from bot.privacy.rasa_tracker import RasaTrackerStore
from bot.privacy.retention import RetentionPolicy, parse_overrides, run_retention
from bot.settings import Settings, SettingsError
from bot.storage.base import utcnow
from bot.storage.db import open_database
from tests.privacy.rasa_store import rasa_store
from tests.privacy.residents import make_resident, seed_resident
from tests.privacy.scan import find_everywhere

DAY = 86400.0


def test_overrides_are_parsed_and_checked() -> None:
    assert parse_overrides(" gm0363=30 , GM0518=200;") == {"GM0363": 30, "GM0518": 200}
    for bad in ("GM0363", "GM0363=", "GM0363=0", "GM0363=dertig", "=30"):
        with pytest.raises(SettingsError):
            parse_overrides(bad)
    policy = RetentionPolicy.from_settings(
        Settings(transcript_retention_days=60, retention_days_by_municipality="GM0363=30")
    )
    assert (policy.days("GM0363"), policy.days("gm0363"), policy.days(None)) == (30, 30, 60)
    assert policy.days("GM0014") == 60


async def test_purge_per_municipality_in_our_tables_and_rasas(db_url: str, tracker_db: str) -> None:
    policy = RetentionPolicy(60, {"GM0363": 30, "GM0518": 200})
    amsterdam = make_resident("whatsapp", "31611122233", "Jolanda Verbeek", "zebrahaai")
    unknown_old = make_resident("telegram", "440022117", "Gert Hoekstra", "paraplu")
    recent = make_resident("telegram", "880066554", "Karel Dijkstra", "olifantvis")
    den_haag = make_resident("web", "tok-6c1d2e3f4a5b6c7d8e9f00112233", "Fenna Mulder", "kameel")
    now = utcnow()
    tracker_url = tracker_db
    async with open_database(db_url) as (_e, factory):
        await seed_resident(factory, amsterdam, age=timedelta(days=45), municipality_code="GM0363")
        await seed_resident(factory, unknown_old, age=timedelta(days=90))
        await seed_resident(factory, recent, age=timedelta(days=45))
        await seed_resident(factory, den_haag, age=timedelta(days=120), municipality_code="GM0518")
        async with factory() as s:  # a long conversation: one message older than the limit
            s.add(
                Message(
                    conversation_id=recent.conversation_id,
                    direction="in",
                    sender_type="contact",
                    text="heel oud bericht over de tandarts",
                    created_at=now - timedelta(days=70),
                )
            )
            await s.commit()
        t = now.timestamp()
        rasa_store(
            tracker_url,
            write={
                amsterdam.conversation_id: [("user", f"ik ben {amsterdam.name}", t - 45 * DAY)],
                unknown_old.conversation_id: [("user", unknown_old.code_word, t - 90 * DAY)],
                recent.conversation_id: [
                    ("user", "heel oud bericht over de tandarts", t - 70 * DAY),
                    ("user", recent.code_word, t - 45 * DAY),
                ],
                den_haag.conversation_id: [("user", den_haag.code_word, t - 120 * DAY)],
                "rasa-only-old": [("user", "een oude test van iemand", t - 61 * DAY)],
                "rasa-only-new": [("user", "een nieuwe test", t - 5 * DAY)],
            },
        )
        tracker = RasaTrackerStore(tracker_url)
        try:
            report = await run_retention(
                factory, Erasure(schema.metadata()), policy, tracker, now=now
            )
        finally:
            await tracker.close()

        assert report.conversations == 4  # two residents, each an old and a current one
        for gone in (amsterdam, unknown_old):
            assert await find_everywhere(db_url, gone.secrets) == [], gone.name
        for kept in (recent, den_haag):
            assert any(
                line.startswith("messages.")
                for line in await find_everywhere(db_url, [kept.code_word])
            ), kept.name
        assert await find_everywhere(db_url, ["tandarts"]) == []
        async with factory() as s:
            assert await s.scalar(select(func.count()).select_from(AnalyticsEvent)) == 4

    left = rasa_store(
        tracker_url,
        read=[
            amsterdam.conversation_id,
            unknown_old.conversation_id,
            recent.conversation_id,
            den_haag.conversation_id,
            "rasa-only-old",
            "rasa-only-new",
        ],
    )
    assert left[amsterdam.conversation_id] == []
    assert left[unknown_old.conversation_id] == []
    assert left[recent.conversation_id] == [recent.code_word]
    assert left[den_haag.conversation_id] == [den_haag.code_word]
    assert left["rasa-only-old"] == []
    assert left["rasa-only-new"] == ["een nieuwe test"]
    assert (
        await find_everywhere(tracker_url, [amsterdam.name, unknown_old.code_word, "tandarts"])
        == []
    )


async def test_a_tracker_store_rasa_never_created_is_left_alone(tmp_path: Path) -> None:
    tracker = RasaTrackerStore(f"sqlite+aiosqlite:///{tmp_path / 'nothing.db'}")
    try:
        assert await tracker.delete_senders(["a"]) == 0
        assert await tracker.senders_with_events_before(utcnow()) == []
    finally:
        await tracker.close()
