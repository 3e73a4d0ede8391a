"""Every dashboard route needs a login with an allowed role; an analyst sees only their municipality."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from bot.analytics.tables import UnansweredQuestion
from bot.storage.db import open_database
from tests.dashboard.conftest import (
    ANALYST_A,
    ANALYST_B,
    add_question,
    generate,
    login,
    login_as,
    of_municipality,
    store,
)

KEYS = [
    "conversations",
    "messages",
    "topics",
    "topic_pairs",
    "handover_reasons",
    "handover_kinds",
    "handover_outcomes",
    "handover_waits",
    "heatmap",
    "learning",
    "unanswered",
    "headline",
    "topic_changes",
]
ROUTES = [
    ("GET", "/dashboard/"),
    *[("GET", f"/dashboard/csv/{k}.csv") for k in KEYS],
    ("POST", "/dashboard/unanswered/handled"),
    ("GET", "/dashboard/lokale-hulp"),
    ("GET", "/dashboard/lokale-hulp/nieuw"),
    ("POST", "/dashboard/lokale-hulp/nieuw"),
    ("GET", "/dashboard/lokale-hulp/hulp/geldfit"),
    ("POST", "/dashboard/lokale-hulp/hulp/geldfit"),
    ("POST", "/dashboard/lokale-hulp/hulp/geldfit/verwijderen"),
    ("POST", "/dashboard/lokale-hulp/gecontroleerd"),
    ("POST", "/dashboard/lokale-hulp/termijn"),
    ("GET", "/dashboard/beoordelen"),
    ("GET", "/dashboard/beoordelen/vraag/1"),
    ("POST", "/dashboard/beoordelen/vraag/1/onderwerp"),
    ("POST", "/dashboard/beoordelen/vraag/1/crisis"),
]


async def test_every_route_needs_a_login(dashboard) -> None:  # type: ignore[no-untyped-def]
    """Every route on one app (nothing is logged in, nothing changes): every wrong answer is
    reported, not only the first."""
    wrong = []
    for method, path in ROUTES:
        response = await dashboard.request(
            method, path, allow_redirects=False, data={"ids": "1", "label": "debt_help"}
        )
        location = response.headers.get("Location", "")
        if method == "GET":
            if response.status != 302 or not location.startswith("/console/login"):
                wrong.append(f"{method} {path}: {response.status} {location!r}")
        elif response.status != 401:
            wrong.append(f"{method} {path}: {response.status}, not 401")
    assert not wrong, "\n".join(wrong)


def test_every_route_is_in_the_list_above() -> None:
    from bot.dashboard import create_dashboard_app
    from bot.settings import Settings

    sub = create_dashboard_app(Settings())
    shapes = {
        (r.method, r.resource.canonical)
        for r in sub.router.routes()
        if r.resource is not None and r.method != "HEAD" and "static" not in r.resource.canonical
    }
    assert shapes == {
        ("GET", "/"),
        ("GET", "/csv/{key}.csv"),
        ("POST", "/unanswered/handled"),
        ("GET", "/lokale-hulp"),
        ("GET", "/lokale-hulp/nieuw"),
        ("POST", "/lokale-hulp/nieuw"),
        ("GET", "/lokale-hulp/hulp/{service_id}"),
        ("POST", "/lokale-hulp/hulp/{service_id}"),
        ("POST", "/lokale-hulp/hulp/{service_id}/verwijderen"),
        ("POST", "/lokale-hulp/gecontroleerd"),
        ("POST", "/lokale-hulp/termijn"),
        ("GET", "/beoordelen"),
        ("GET", "/beoordelen/vraag/{question_id}"),
        ("POST", "/beoordelen/vraag/{question_id}/onderwerp"),
        ("POST", "/beoordelen/vraag/{question_id}/crisis"),
    }


async def test_a_counsellor_may_not_see_the_dashboard(dashboard) -> None:  # type: ignore[no-untyped-def]
    await login(dashboard, "consulent@demo.geldhulp.nl")
    assert (await dashboard.get("/dashboard/", allow_redirects=False)).status == 403
    assert (await dashboard.get("/dashboard/csv/topics.csv", allow_redirects=False)).status == 403
    assert (await dashboard.get("/dashboard/beoordelen", allow_redirects=False)).status == 403


async def test_analyst_sees_only_own_municipality_also_in_csv(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await store(db_url, generate(seed=11, conversations=120))
    mine = await add_question(db_url, "kan ik kwijtschelding krijgen groningenvraag", "GM0014")
    other = await add_question(db_url, "almeregeheim over de toeslag", "GM0034")
    csrf = await login_as(dashboard, ANALYST_A)

    page = await (await dashboard.get("/dashboard/")).text()
    assert "groningenvraag" in page and "almeregeheim" not in page
    assert "<svg" in page and "GM0014" in page
    for query in ("", "?gemeente=GM0034", "?gemeente=GM0014,GM0034"):
        body = await (await dashboard.get(f"/dashboard/csv/unanswered.csv{query}")).text()
        assert "almeregeheim" not in body
    asked_other = await (
        await dashboard.get("/dashboard/csv/conversations.csv?gemeente=GM0034")
    ).text()
    assert list(csv.reader(io.StringIO(asked_other))) == [["periode", "kanaal", "gesprekken"]]
    # the headline and the topic changes of another municipality: nothing at all
    for key in ("headline", "topic_changes"):
        body = await (await dashboard.get(f"/dashboard/csv/{key}.csv?gemeente=GM0034")).text()
        cells = [c for row in list(csv.reader(io.StringIO(body)))[1:] for c in row[1:]]
        assert set(cells) <= {"0", "–"}, (key, cells)
    own = await (await dashboard.get("/dashboard/csv/headline.csv")).text()
    current = list(csv.reader(io.StringIO(own)))[-1]
    expected_conversations = sum(
        1
        for e in of_municipality(generate(seed=11, conversations=120), "GM0014")
        if e["name"] == "conversation.started"
    )
    assert current[0] == "deze periode" and current[1] == str(expected_conversations)

    # conversations CSV totals equal A's own conversations only (suppressed cells counted as unknown)
    rows = list(
        csv.reader(
            io.StringIO(await (await dashboard.get("/dashboard/csv/conversations.csv")).text())
        )
    )[1:]
    events = generate(seed=11, conversations=120)
    expected = sum(
        1 for e in of_municipality(events, "GM0014") if e["name"] == "conversation.started"
    )
    shown = sum(int(r[2]) for r in rows if r[2] not in ("<5", "onderdrukt"))
    small = sum(1 for r in rows if r[2] == "<5")
    hidden = sum(1 for r in rows if r[2] == "onderdrukt")  # complementary: 5 or more each
    assert shown + small + 5 * hidden <= expected
    if not hidden:
        assert expected <= shown + 4 * small

    # marking B's question as handled from A's session changes nothing
    response = await dashboard.post(
        "/dashboard/unanswered/handled",
        data={"ids": f"{mine} {other}", "csrf": csrf},
        allow_redirects=False,
    )
    assert response.status == 303
    async with open_database(db_url) as (_e, factory), factory() as s:
        rows_q = {q.id: q.handled_at for q in (await s.scalars(select(UnansweredQuestion))).all()}
    assert rows_q[mine] is not None and rows_q[other] is None

    # B sees their own question, not A's
    await dashboard.post("/console/logout", data={"csrf": csrf})
    dashboard.session.cookie_jar.clear()
    await login_as(dashboard, ANALYST_B)
    body = await (await dashboard.get("/dashboard/csv/unanswered.csv")).text()
    assert "almeregeheim" in body and "groningenvraag" not in body


async def test_post_needs_csrf(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    qid = await add_question(db_url, "een vraag", "GM0014")
    await login_as(dashboard, ANALYST_A)
    response = await dashboard.post(
        "/dashboard/unanswered/handled", data={"ids": str(qid)}, allow_redirects=False
    )
    assert response.status == 403


async def test_admin_sees_all_and_can_pick_a_region(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await add_question(db_url, "groningenvraag een", "GM0014")
    await add_question(db_url, "almerevraag twee", "GM0034")
    await login_as(dashboard, "admin@demo.geldhulp.nl")
    everything = await (await dashboard.get("/dashboard/csv/unanswered.csv")).text()
    assert "groningenvraag" in everything and "almerevraag" in everything
    region = await (await dashboard.get("/dashboard/csv/unanswered.csv?gemeente=GM0034")).text()
    assert "almerevraag" in region and "groningenvraag" not in region


async def test_demo_banner_and_escaping(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    from bot.demo.history import seed

    async with open_database(db_url) as (_e, factory):
        summary = await seed(factory, if_empty=True)
        assert "demo history" in summary
        assert "no demo" in await seed(factory, if_empty=True)
    await add_question(db_url, "<script>alert(1)</script>", "GM0014")
    await login_as(dashboard, ANALYST_A)
    page = await (await dashboard.get("/dashboard/?per=month")).text()
    assert "demo-gegevens" in page
    assert "<script>alert(1)" not in page  # shown as keywords; the question page escapes it
    assert "111222333" not in page and "06-12345678" not in page  # demo questions are redacted
