"""The first screen's headline figures and topic changes against an independent computation over
the generated events (plain Python, not the dashboard's code path), on SQLite and PostgreSQL;
small numbers, the complementary rule for "alone" and "handed over", and the charts' suppression."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import timedelta

import pytest

from bot.dashboard import charts, headline, queries
from bot.dashboard.headline import Measure
from bot.dashboard.queries import Scope
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A, NOW, generate, login_as, of_municipality, store

SPLIT = NOW - timedelta(days=30)
TOPIC_SET = {"debt_help", "rent_housing", "energy_water", "debt_collector", "food_basic_needs"}


def independent(events: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    started = {e["conversation_ref"] for e in events if e["name"] == "conversation.started"}
    handed = {
        e["conversation_ref"]
        for e in events
        if e["name"] == "handover.requested" and e["conversation_ref"] in started
    }
    crisis = {
        e["conversation_ref"]
        for e in events
        if e["conversation_ref"] in started
        and (
            (e["name"] == "handover.requested" and e["reason"] == "crisis")
            or (e["name"] == "message.received" and e["topic"] == "crisis")
        )
    }
    messages = [e for e in events if e["name"] == "message.received"]
    unsure = sum(1 for e in messages if e["confidence"] < 0.5)
    waits = [e["value_seconds"] for e in events if e["name"] == "handover.assigned"]
    return {
        "conversations": len(started),
        "handed_over": len(handed),
        "alone": len(started) - len(handed),
        "crisis": len(crisis),
        "messages": len(messages),
        "unanswered": unsure,
        "waits": waits,
    }


@pytest.fixture
async def split(db_url):  # type: ignore[no-untyped-def]
    events = generate(seed=5, conversations=260)
    await store(db_url, events)
    scope = Scope(("GM0014",), NOW - timedelta(days=61), NOW + timedelta(seconds=1))
    async with open_database(db_url) as (_e, factory), factory() as session:
        rows = await queries.load_events(session, scope)
    current = [e for e in rows if e.occurred_at >= SPLIT]
    previous = [e for e in rows if e.occurred_at < SPLIT]
    mine = of_municipality(events, "GM0014")
    return (
        current,
        previous,
        [e for e in mine if e["occurred_at"] >= SPLIT],
        [e for e in mine if e["occurred_at"] < SPLIT],
    )


async def test_headline_figures_match_an_independent_count(split) -> None:  # type: ignore[no-untyped-def]
    current, previous, mine_now, mine_before = split
    now, before = independent(mine_now), independent(mine_before)
    m = headline.measure(current)
    assert (m.conversations, m.handed_over, m.alone, m.crisis) == (
        now["conversations"],
        now["handed_over"],
        now["alone"],
        now["crisis"],
    )
    assert (m.messages, m.unanswered) == (now["messages"], now["unanswered"])
    assert sorted(m.waits) == sorted(now["waits"])  # type: ignore[type-var]
    assert now["conversations"] >= 5 and now["handed_over"] >= 5 and now["alone"] >= 5  # type: ignore[operator]

    figures, table = headline.figures(
        current, previous, since=SPLIT, until=NOW + timedelta(seconds=1), period="week"
    )
    shown = {f.key: f for f in figures}
    assert shown["conversations"].value == str(now["conversations"])
    assert shown["alone"].value == f"{round(100 * now['alone'] / now['conversations'])}%"  # type: ignore[operator]
    assert shown["handed_over"].value == str(now["handed_over"])
    median = statistics.median(now["waits"]) / 60  # type: ignore[arg-type]
    assert shown["median_wait"].value == f"{median:.1f}".replace(".", ",") + " min"
    rate = 100 * now["unanswered"] / now["messages"]  # type: ignore[operator]
    assert shown["unanswered"].value == f"{round(rate)}%"
    # the change against the previous period of (about) the same length
    diff = round(100 * (now["conversations"] - before["conversations"]) / before["conversations"])  # type: ignore[operator]
    sign = "" if diff == 0 else ("+" if diff > 0 else "")
    assert shown["conversations"].change == f"{sign}{diff}% t.o.v. {before['conversations']}"
    assert shown["conversations"].direction == (
        "up" if diff > 0 else "down" if diff < 0 else "same"
    )
    # the trend: one point per week of the window, the table has the same values
    weeks = headline.periods(SPLIT, NOW + timedelta(seconds=1), "week")
    assert len(shown["conversations"].trend) == len(weeks) >= 4
    assert [r[0] for r in table.rows[:-2]] == weeks
    assert table.rows[-1][1] == str(now["conversations"])
    assert table.rows[-2][1] == str(before["conversations"])
    total = sum(v for v in shown["conversations"].trend if v is not None)
    small = sum(shown["conversations"].trend_small)
    assert total + small <= now["conversations"] <= total + 4 * small  # type: ignore[operator]


async def test_topic_changes_match_and_rise_and_fall(split) -> None:  # type: ignore[no-untyped-def]
    current, previous, mine_now, mine_before = split

    def count(events: list[dict]) -> Counter[str]:  # type: ignore[type-arg]
        return Counter(
            e["topic"]
            for e in events
            if e["name"] == "message.received" and e["topic"] in TOPIC_SET
        )

    a, b = count(mine_before), count(mine_now)
    table = headline.topic_changes(current, previous)
    rows = {r[0]: r for r in table.rows}
    assert set(rows) == set(a) | set(b)
    for topic, row in rows.items():
        assert row[1:3] == [a[topic], b[topic]]
        if a[topic] >= 5 and b[topic] >= 5:
            assert row[3] == b[topic] - a[topic]
        else:
            assert row[3] == ""  # no change between hidden counts
    moves = headline.rising_and_falling(table)
    assert [m[1] for m in moves] == sorted((m[1] for m in moves), reverse=True)
    svg = charts.diverging(
        [(t, c, p) for t, c, p in moves], ident="x", title="Onderwerpen", desc="d"
    )
    assert svg.count('class="bar up"') + svg.count('class="bar down"') == len(moves)


def test_small_numbers_and_the_complementary_rule() -> None:
    few = Measure(
        conversations=7,
        alone=4,
        handed_over=3,
        waits=[60.0] * 4,
        crisis=2,
        messages=9,
        unanswered=1,
    )
    assert headline.shown(few, "conversations") == "7"
    assert headline.shown(few, "crisis") == "<5"
    # 4 alone + 3 handed over = 7 conversations: showing either would reveal the other
    assert headline.shown(few, "handed_over") == "<5"
    assert headline.shown(few, "alone") == "onderdrukt (<5)"
    assert headline.shown(few, "median_wait") == "onderdrukt (<5)"  # fewer than 5 waits
    assert headline.shown(few, "unanswered") == "onderdrukt (<5)"
    some = Measure(
        conversations=20,
        alone=12,
        handed_over=8,
        waits=[60.0] * 6,
        crisis=0,
        messages=30,
        unanswered=6,
    )
    assert headline.shown(some, "handed_over") == "8" and headline.shown(some, "alone") == "60%"
    assert (
        headline.shown(some, "crisis") == "0" and headline.shown(some, "median_wait") == "1,0 min"
    )
    text, direction = headline.change(some, few, "conversations")
    assert (text, direction) == ("+186% t.o.v. 7", "up")
    assert headline.change(some, few, "crisis") == ("", "")  # never against a hidden value
    assert headline.change(some, some, "alone") == ("0 procentpunt t.o.v. 60%", "same")


def test_a_trend_never_draws_a_small_count_at_its_height() -> None:
    svg = charts.sparkline(
        [12.0, None, 9.0, 14.0], [False, True, False, False], ident="s", label="x"
    )
    assert svg.count('class="small-dot"') == 1 and "&lt;5" in svg
    [line] = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(line.split()) == 2  # 9 and 14; the small week breaks the line
    assert svg.count('class="dot"') == 1  # 12 alone, before the gap


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
async def test_the_first_screen_shows_the_figures_with_their_tables_and_csv(
    dashboard, db_url
) -> None:  # type: ignore[no-untyped-def]
    events = generate(seed=5, conversations=260)
    await store(db_url, events)
    await login_as(dashboard, ANALYST_A)
    page = await (await dashboard.get("/dashboard/?dagen=30")).text()
    now = independent(
        [
            e
            for e in of_municipality(events, "GM0014")
            if e["occurred_at"] >= NOW - timedelta(days=30)
        ]
    )
    card = page.split('id="figure-conversations"', 1)[1].split("</li>", 1)[0]
    assert f'<p class="card-value">{now["conversations"]}</p>' in card
    assert "t.o.v." in card and '<svg class="spark"' in card
    for key in (
        "headline",
        "conversations",
        "topic_changes",
        "handover_reasons",
        "heatmap",
        "learning",
    ):
        assert f'href="/dashboard/csv/{key}.csv?dagen=30"' in page, key
    assert page.count("<details") >= 8 and page.count("<summary>") >= 8  # every table a toggle
    assert 'role="img"' in page and "<title" in page and "<desc" in page
    assert '<select id="dagen"' in page and 'value="365"' in page
    assert "Onderwerpen die stijgen en dalen" in page
    for code in ("debt_help", "whatsapp", "handover_reasons"):
        assert f">{code}<" not in page
