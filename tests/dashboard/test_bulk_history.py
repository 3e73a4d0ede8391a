"""Many analytics rows at once (`bot.analytics.add_in_bulk`, the demo history): questions are
redacted as one at a time, every field lands, and the demo history's figures are what the
one-row-at-a-time path stored. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.analytics import EventName, add_in_bulk
from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion
from bot.demo.history import build, seed
from bot.privacy.redact import redact
from bot.storage.db import open_database

PERSONAL = "Ik ben Johan de Vries, bel me op 0612345678 over de schuld bij de energie"


async def test_questions_are_redacted_and_every_field_is_stored(db_url: str) -> None:
    when = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    async with open_database(db_url) as (_e, factory):
        async with factory() as s:
            await add_in_bulk(
                s,
                [
                    {"name": EventName.CONVERSATION_STARTED, "occurred_at": when, "demo": True},
                    {
                        "name": EventName.HANDOVER_ASSIGNED,
                        "occurred_at": when,
                        "value_seconds": 90.0,
                        "municipality_code": "GM0014",
                    },
                ],
                [
                    {"text": PERSONAL, "occurred_at": when, "channel": "web", "demo": True},
                    {"text": PERSONAL, "occurred_at": when, "channel": "telegram"},
                ],
            )
            await s.commit()
        async with factory() as s:
            questions = (await s.scalars(select(UnansweredQuestion))).all()
            events = (await s.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.name))).all()
    assert [q.text_redacted for q in questions] == [redact(PERSONAL)] * 2
    assert all("0612345678" not in q.text_redacted for q in questions)
    assert sorted(q.channel for q in questions) == ["telegram", "web"]
    assert [(e.name, e.value_seconds, e.municipality_code) for e in events] == [
        ("conversation.started", None, None),
        ("handover.assigned", 90.0, "GM0014"),
    ]
    assert [e.demo for e in events] == [True, False]  # the column's default where not given
    assert all(e.occurred_at == when for e in events)


async def test_the_demo_history_stores_every_event_it_builds(db_url: str) -> None:
    # the history is built relative to the moment of seeding: built just before and just after,
    # it is one of the two (an event may fall exactly between them)
    before = build(random.Random(2026), datetime.now(UTC))  # noqa: S311 - demo data
    async with open_database(db_url) as (_e, factory):
        await seed(factory, if_empty=False)
        after = build(random.Random(2026), datetime.now(UTC))  # noqa: S311 - demo data
        async with factory() as s:
            by_name = dict(
                (
                    await s.execute(
                        select(AnalyticsEvent.name, func.count()).group_by(AnalyticsEvent.name)
                    )
                ).all()
            )
            questions = await s.scalar(select(func.count()).select_from(UnansweredQuestion))
            not_demo = await s.scalar(
                select(func.count())
                .select_from(AnalyticsEvent)
                .where(AnalyticsEvent.demo.is_(False))
            )
    assert (by_name, questions) in [counts(before), counts(after)]
    assert sum(by_name.values()) > 5000
    assert not_demo == 0


def counts(built: list[dict]) -> tuple[dict[str, int], int]:  # type: ignore[type-arg]
    """Events per name and the number of questions among them."""
    by_name: dict[str, int] = {}
    for event in built:
        by_name[str(event["name"])] = by_name.get(str(event["name"]), 0) + 1
    return by_name, sum(1 for event in built if event.get("question"))
