"""A demo history for the dashboard: 180 days of analytics events, every row marked ``demo=True``.

Seeded (random.Random(2026)) so every first start shows the same figures. Events are generated
the way the gateway and console record them: a message the assistant had no answer for is a
``message.received`` with its fallback intent and low confidence, and its text is stored through
``add_in_bulk`` (redacted as ``record_unanswered`` redacts a real one, with the conversation's
pseudonym; the rows go in one INSERT per table). 180 days, so
the default 90-day view has a previous period to compare with; a few topics rise or fall over
time, and volume grows a little, so the trends have something to show.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.analytics import EventName, add_in_bulk
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
# the topic an analyst would give each question (the demo reviews the older ones)
REVIEW_LABELS = [
    "tax_government_debt",
    "tax_government_debt",
    "debt_help",
    "debt_help",
    "debt_collector",
    "debt_collector",
    "tax_government_debt",
    "tax_government_debt",
    "debt_help",
    "energy_water",
]
REVIEWED_BEFORE = timedelta(days=14)  # newer questions stay open for the review list


DAYS = 180
TOPICS = TOPIC_INTENTS[:12]
RISING = {"energy_water": 3.0, "rent_housing": 1.8}  # weight at the end of the period
FALLING = {"tax_government_debt": 0.3, "health_insurance": 0.5}


def topic_weights(age_days: float) -> list[float]:
    """Topic weights at a conversation's age: some topics rise, some fall towards today."""
    recent = 1 - age_days / DAYS  # 0 at the start, 1 today
    weights = []
    for topic in TOPICS:
        end = RISING.get(topic) or FALLING.get(topic) or 1.0
        weights.append(1.0 + (end - 1.0) * recent)
    return weights


def _topics(rng: random.Random, age_days: float) -> list[str]:
    wanted = rng.choice([1, 1, 1, 2, 2, 3])
    chosen: list[str] = []
    while len(chosen) < wanted:
        topic = rng.choices(TOPICS, weights=topic_weights(age_days))[0]
        if topic not in chosen:
            chosen.append(topic)
    return chosen


def build(rng: random.Random, now: datetime, conversations: int = 1700) -> list[dict]:  # type: ignore[type-arg]
    """Event dicts for ``conversations`` demo conversations over the last 180 days."""
    events: list[dict] = []  # type: ignore[type-arg]
    for i in range(conversations):
        # a little more every week: the density grows by half over the period (inverse CDF)
        share = (-1 + math.sqrt(1 + 1.25 * rng.random())) / 0.5
        start = now - timedelta(days=DAYS * (1 - share))
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
        age_days = (now - start).total_seconds() / 86400
        for topic in _topics(rng, age_days):
            t += timedelta(seconds=rng.randint(20, 200))
            events.append(
                {
                    "name": EventName.MESSAGE_RECEIVED,
                    "occurred_at": t,
                    "topic": topic,
                    "confidence": round(rng.uniform(0.55, 0.99), 2),
                    **common,
                    "data": {"intent": topic},
                }
            )
        if rng.random() < 0.2:  # the assistant had no answer: as the router records it
            t += timedelta(seconds=30)
            events.append(
                {
                    "name": EventName.MESSAGE_RECEIVED,
                    "occurred_at": t,
                    "topic": None,
                    "confidence": round(rng.uniform(0.1, 0.45), 2),
                    **common,
                    "data": {"intent": "nlu_fallback"},
                    "question": rng.choice(QUESTIONS),
                }
            )
        crisis = rng.random() < 0.02
        if crisis:
            t += timedelta(seconds=15)
            events.append(
                {
                    "name": EventName.MESSAGE_RECEIVED,
                    "occurred_at": t,
                    "topic": "crisis",
                    "confidence": 0.97,
                    **common,
                    "data": {"intent": "crisis"},
                }
            )
        if crisis or rng.random() < 0.25:
            t += timedelta(seconds=20)
            out = hour < 9 or hour >= 17
            events.append(
                {
                    "name": EventName.HANDOVER_REQUESTED,
                    "occurred_at": t,
                    "reason": "crisis" if crisis else rng.choice(REASONS),
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
        now = datetime.now(UTC)
        rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
        events = build(rng, now)
        questions = []
        for e in events:
            text = e.pop("question", None)
            if text:
                question = {
                    "text": text,
                    "occurred_at": e["occurred_at"],
                    "municipality_code": e["municipality_code"],
                    "channel": e["channel"],
                    "intent_guess": e["data"]["intent"],
                    "confidence": e["confidence"],
                    "conversation_ref": e["conversation_ref"],
                    "demo": True,
                    "review_label": None,
                    "reviewed_at": None,
                    "handled_at": None,
                    "handled_by": None,
                }
                if now - e["occurred_at"] > REVIEWED_BEFORE and rng.random() < 0.7:
                    question["review_label"] = REVIEW_LABELS[QUESTIONS.index(text)]
                    question["reviewed_at"] = question["handled_at"] = e["occurred_at"] + timedelta(
                        days=2
                    )
                    question["handled_by"] = "demo"
                questions.append(question)
        # one INSERT per table, not an ORM object per row (7,800 rows: seconds of CPU)
        await add_in_bulk(session, events, questions)
        await session.commit()
    return f"demo history: {len(events)} analytics events (demo=True); dashboard at /dashboard/"
