"""A demo history for the dashboard: 90 days of analytics events, every row marked ``demo=True``.

Seeded (random.Random(2026)) so every first start shows the same figures. Events are generated
the way the gateway and console record them; unanswered questions are stored through
``record_unanswered`` so they are redacted like real ones.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.analytics import EventName, record_event, record_unanswered
from bot.analytics.tables import AnalyticsEvent
from bot.topics import TOPIC_INTENTS

MUNICIPALITIES = ["GM0014", "GM0034", "GM0363"]  # Groningen (demo team), Almere, Amsterdam
CHANNELS = ["whatsapp", "telegram", "web"]
REASONS = ["asked", "crisis", "distrust", "complexity", "urgent", "bot_failed"]
OUTCOMES = ["referred", "appointment_made", "advice_given", "no_show", "other"]
QUESTIONS = [
    "kan ik mijn schulden bij de belastingdienst kwijtschelden",
    "kan ik kwijtschelding krijgen voor de gemeentebelasting",
    "wat is een wsnp traject precies",
    "hoe lang duurt een wsnp",
    "mag mijn werkgever loonbeslag leggen",
    "loonbeslag door werkgever wat nu",
    "ik heb een brief van cjib gekregen",
    "brief van het cjib ontvangen wat moet ik doen",
    "mijn BSN is 111222333 kan ik hulp krijgen",
    "bel me op 06-12345678 voor uitleg over de energietoeslag",
]


def build(rng: random.Random, now: datetime, conversations: int = 900) -> list[dict]:  # type: ignore[type-arg]
    """Event dicts for ``conversations`` demo conversations over the last 90 days."""
    events: list[dict] = []  # type: ignore[type-arg]
    for i in range(conversations):
        start = now - timedelta(days=rng.uniform(0, 90))
        hour = rng.choices(
            range(24),
            weights=[1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 8, 7, 7, 8, 8, 7, 6, 6, 7, 8, 7, 4, 2],
        )[0]
        start = start.replace(hour=hour, minute=rng.randrange(60), tzinfo=UTC)
        common = {
            "municipality_code": rng.choices(MUNICIPALITIES, weights=[5, 3, 4])[0],
            "channel": rng.choices(CHANNELS, weights=[6, 2, 3])[0],
            "conversation_ref": f"demo{i:06d}",
            "demo": True,
        }
        t = start
        events.append({"name": EventName.CONVERSATION_STARTED, "occurred_at": t, **common})
        for topic in rng.sample(TOPIC_INTENTS[:12], rng.choice([1, 1, 1, 2, 2, 3])):
            t += timedelta(seconds=rng.randint(20, 200))
            events.append(
                {
                    "name": EventName.MESSAGE_RECEIVED,
                    "occurred_at": t,
                    "topic": topic,
                    "confidence": round(rng.uniform(0.55, 0.99), 2),
                    **common,
                }
            )
        if rng.random() < 0.12:
            t += timedelta(seconds=30)
            events.append(
                {
                    "name": EventName.MESSAGE_UNANSWERED,
                    "occurred_at": t,
                    "topic": "nlu_fallback",
                    "confidence": 0.2,
                    **common,
                    "data": {"text": rng.choice(QUESTIONS)},
                }
            )
        if rng.random() < 0.25:
            t += timedelta(seconds=20)
            out = hour < 9 or hour >= 17
            events.append(
                {
                    "name": EventName.HANDOVER_REQUESTED,
                    "occurred_at": t,
                    "reason": rng.choice(REASONS),
                    "kind": rng.choice(["counsellor", "counsellor", "peer"]),
                    "out_of_hours": out,
                    **common,
                }
            )
            if rng.random() < 0.1:
                events.append(
                    {
                        "name": EventName.HANDOVER_CANCELLED,
                        "occurred_at": t + timedelta(minutes=2),
                        **common,
                    }
                )
            else:
                wait = rng.uniform(60, 900) if not out else rng.uniform(3600, 14 * 3600)
                t += timedelta(seconds=wait)
                events.append(
                    {
                        "name": EventName.HANDOVER_ASSIGNED,
                        "occurred_at": t,
                        "value_seconds": wait,
                        **common,
                    }
                )
                t += timedelta(minutes=rng.randint(5, 40))
                events.append(
                    {
                        "name": EventName.HANDOVER_CLOSED,
                        "occurred_at": t,
                        "outcome": rng.choice(OUTCOMES),
                        **common,
                    }
                )
        events.append(
            {
                "name": EventName.CONVERSATION_CLOSED,
                "occurred_at": t + timedelta(minutes=5),
                **common,
            }
        )
    return [e for e in events if e["occurred_at"] <= now]


async def seed(factory: async_sessionmaker, *, if_empty: bool) -> str:  # type: ignore[type-arg]
    """Store the demo history (once, when ``if_empty`` and there are no events yet)."""
    async with factory() as session:
        if if_empty and await session.scalar(select(func.count()).select_from(AnalyticsEvent)):
            return "analytics events exist; no demo history seeded"
        events = build(random.Random(2026), datetime.now(UTC))  # noqa: S311 - demo data, not secrets
        for e in events:
            data = e.pop("data", None)
            if data:
                question = await record_unanswered(
                    session,
                    data["text"],
                    municipality_code=e["municipality_code"],
                    channel=e["channel"],
                    intent_guess=None,
                    confidence=e["confidence"],
                    demo=True,
                )
                question.occurred_at = e["occurred_at"]
            await record_event(session, e.pop("name"), **e)
        await session.commit()
    return f"demo history: {len(events)} analytics events (demo=True); dashboard at /dashboard/"
