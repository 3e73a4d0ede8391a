"""Reviewing unanswered questions: one-click topics, missed crises, audit, isolation, k < 5 display.

Every test runs on SQLite and PostgreSQL through the real app over loopback HTTP.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from bot.analytics.tables import UnansweredQuestion
from bot.staff import AuditEntry, StaffAlert, StaffUser, Team, open_alerts
from bot.storage.db import open_database
from tests.dashboard.conftest import (
    ANALYST_A,
    ANALYST_B,
    add_question,
    add_team_lead,
    login,
    login_as,
)

LEAD_A = "teamlead@demo.geldhulp.nl"  # demo team lead of Groningen (GM0014)
LEAD_B = "lead-b@test.geldhulp.nl"


async def rows(url: str) -> dict[int, UnansweredQuestion]:
    async with open_database(url) as (_e, factory), factory() as s:
        return {q.id: q for q in (await s.scalars(select(UnansweredQuestion))).all()}


async def audit_actions(url: str) -> list[tuple[str, Any]]:
    async with open_database(url) as (_e, factory), factory() as s:
        entries = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        return [(e.action, getattr(e, "result", None)) for e in entries]


async def alerts(url: str) -> list[StaffAlert]:
    async with open_database(url) as (_e, factory), factory() as s:
        return list((await s.scalars(select(StaffAlert))).all())


def visible_text(html: str) -> str:
    """What a person reads: tags (with their attributes) removed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


async def test_analyst_gives_a_topic_in_one_click_and_it_is_audited(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    qid = await add_question(
        db_url, "kan ik uitstel krijgen voor de huur van mijn woning", "GM0014"
    )
    csrf = await login_as(dashboard, ANALYST_A)
    page = await (await dashboard.get("/dashboard/beoordelen")).text()
    assert f'id="vraag-{qid}"' in page
    assert "huur, uitstel, woning" in page  # keywords only: one resident asked this
    assert "uitstel krijgen voor de huur" not in page
    # the one click: a button named label with the topic as value
    assert f'action="/dashboard/beoordelen/vraag/{qid}/onderwerp' in page
    assert 'name="label" value="rent_housing"' in page and ">Huurachterstand<" in page

    response = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/onderwerp",
        data={"csrf": csrf, "label": "rent_housing"},
        allow_redirects=False,
    )
    assert response.status == 303
    after = await (await dashboard.get(response.headers["Location"])).text()
    assert f"vraag {qid} gaat over Huurachterstand" in after
    assert f'id="vraag-{qid}"' not in after  # left the open list, listed under "pas beoordeeld"
    row = (await rows(db_url))[qid]
    assert row.review_label == "rent_housing" and row.reviewed_at is not None
    assert row.handled_at is not None and row.missed_crisis is False
    async with open_database(db_url) as (_e, factory), factory() as s:
        analyst = await s.scalar(select(StaffUser).where(StaffUser.email == ANALYST_A))
    assert row.reviewed_by == analyst.id
    actions = [a for a, _ in await audit_actions(db_url)]
    assert actions.count("review.label") == 1 and "review.view_list" in actions
    if hasattr(AuditEntry, "origin"):  # the tamper-evident log (privacy) stores the address
        async with open_database(db_url) as (_e, factory), factory() as s:
            origins = {
                e.origin
                for e in (await s.scalars(select(AuditEntry))).all()
                if e.action.startswith("review.")
            }
        assert origins == {"127.0.0.1"}

    # a relabel replaces the label; an unknown label is refused and changes nothing
    await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/onderwerp",
        data={"csrf": csrf, "label": "out_of_scope"},
        allow_redirects=False,
    )
    bad = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/onderwerp",
        data={"csrf": csrf, "label": "drop_table"},
        allow_redirects=False,
    )
    assert bad.status == 400
    assert (await rows(db_url))[qid].review_label == "out_of_scope"
    no_csrf = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/onderwerp",
        data={"label": "debt_help"},
        allow_redirects=False,
    )
    assert no_csrf.status == 403
    assert (await rows(db_url))[qid].review_label == "out_of_scope"


async def test_missed_crisis_alerts_the_team_lead_once(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    await add_team_lead(db_url, LEAD_B, "GM0034")
    qid = await add_question(db_url, "het heeft allemaal geen zin meer zo", "GM0014")
    csrf = await login_as(dashboard, ANALYST_A)
    response = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/crisis", data={"csrf": csrf}, allow_redirects=False
    )
    assert response.status == 303
    page = await (await dashboard.get(response.headers["Location"])).text()
    assert "De teamleider heeft een melding gekregen" in page
    raised = await alerts(db_url)
    assert [(a.kind, a.audience, a.municipality_code, a.ref) for a in raised] == [
        ("missed_crisis", "team_lead", "GM0014", f"question:{qid}")
    ]
    row = (await rows(db_url))[qid]
    assert row.missed_crisis and row.review_label == "crisis"

    # the team lead's alert list (what the console shows) has it; others' lists do not
    async with open_database(db_url) as (_e, factory), factory() as s:
        lead_a = await s.scalar(select(StaffUser).where(StaffUser.email == LEAD_A))
        team_a = await s.get(Team, lead_a.team_id)
        lead_b = await s.scalar(select(StaffUser).where(StaffUser.email == LEAD_B))
        team_b = await s.get(Team, lead_b.team_id)
        for_lead_a = await open_alerts(s, role="team_lead", team=team_a, is_admin=False)
        for_counsellor_a = await open_alerts(s, role="counsellor", team=team_a, is_admin=False)
        for_lead_b = await open_alerts(s, role="team_lead", team=team_b, is_admin=False)
    assert [a.ref for a in for_lead_a] == [f"question:{qid}"]
    assert for_counsellor_a == [] and for_lead_b == []

    # marking it again raises no second alert, and says so
    again = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/crisis", data={"csrf": csrf}, allow_redirects=False
    )
    assert "soort=crisis_again" in again.headers["Location"]
    assert len(await alerts(db_url)) == 1
    assert [r for a, r in await audit_actions(db_url) if a == "review.missed_crisis"] in (
        [None, None],  # the audit log has no result column yet (privacy adds it)
        ["ok", "already_marked"],
    )


async def test_isolation_on_every_review_route(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    mine = await add_question(db_url, "groningenvraag over kwijtschelding", "GM0014")
    other = await add_question(db_url, "almeregeheim over de toeslag", "GM0034")
    csrf = await login_as(dashboard, ANALYST_A)
    for query in ("", "?gemeente=GM0034", "?gemeente=GM0014,GM0034", "?dagen=3660"):
        page = await (await dashboard.get(f"/dashboard/beoordelen{query}")).text()
        assert "almeregeheim" not in page and f"vraag-{other}" not in page
    assert "groningenvraag" in await (await dashboard.get("/dashboard/beoordelen")).text()
    for query in ("", "?gemeente=GM0034"):
        read = await dashboard.get(f"/dashboard/beoordelen/vraag/{other}{query}")
        assert read.status == 404 and "almeregeheim" not in await read.text()
        label = await dashboard.post(
            f"/dashboard/beoordelen/vraag/{other}/onderwerp{query}",
            data={"csrf": csrf, "label": "benefits_toeslagen"},
            allow_redirects=False,
        )
        assert label.status == 404
        crisis = await dashboard.post(
            f"/dashboard/beoordelen/vraag/{other}/crisis{query}",
            data={"csrf": csrf},
            allow_redirects=False,
        )
        assert crisis.status == 404
    stored = await rows(db_url)
    assert stored[other].review_label is None and stored[other].reviewed_at is None
    assert await alerts(db_url) == []
    refused = [a for a, _ in await audit_actions(db_url) if a.startswith("review.")]
    assert refused.count("review.read_question") == 2  # refused reads are audited too
    assert refused.count("review.label") == 2 and refused.count("review.missed_crisis") == 2
    # the notice of a saved question never names another municipality's question
    page = await (await dashboard.get(f"/dashboard/beoordelen?klaar={other}")).text()
    assert f"vraag {other} gaat" not in page

    # B sees and labels their own question, never A's
    await dashboard.post("/console/logout", data={"csrf": csrf})
    dashboard.session.cookie_jar.clear()
    csrf_b = await login_as(dashboard, ANALYST_B)
    page = await (await dashboard.get("/dashboard/beoordelen")).text()
    assert "almeregeheim" in page or "toeslag" in page
    assert "groningenvraag" not in page
    assert (await dashboard.get(f"/dashboard/beoordelen/vraag/{mine}")).status == 404
    ok = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{other}/onderwerp",
        data={"csrf": csrf_b, "label": "benefits_toeslagen"},
        allow_redirects=False,
    )
    assert ok.status == 303
    assert (await rows(db_url))[other].review_label == "benefits_toeslagen"
    assert (await rows(db_url))[mine].review_label is None


async def test_admins_review_only_questions_without_a_municipality(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    placed = await add_question(db_url, "groningenvraag over de bijstand", "GM0014")
    unplaced = await add_question(db_url, "onbekendplaats vraag over de toeslag", None)
    csrf = await login_as(dashboard, "admin@demo.geldhulp.nl")
    page = await (await dashboard.get("/dashboard/beoordelen?gemeente=GM0014")).text()
    assert "onbekendplaats" in page and "groningenvraag" not in page
    assert "vragen zonder gemeente" in page
    assert (await dashboard.get(f"/dashboard/beoordelen/vraag/{placed}")).status == 404
    refused = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{placed}/onderwerp",
        data={"csrf": csrf, "label": "income_support"},
        allow_redirects=False,
    )
    assert refused.status == 404 and (await rows(db_url))[placed].review_label is None
    crisis = await dashboard.post(
        f"/dashboard/beoordelen/vraag/{unplaced}/crisis", data={"csrf": csrf}, allow_redirects=False
    )
    assert crisis.status == 303
    # no team lead serves an unknown municipality: the admins get the alert
    assert [(a.kind, a.audience, a.municipality_code) for a in await alerts(db_url)] == [
        ("missed_crisis", "admin", None)
    ]
    async with open_database(db_url) as (_e, factory), factory() as s:
        lead = await s.scalar(select(StaffUser).where(StaffUser.email == LEAD_A))
        team = await s.get(Team, lead.team_id)
        assert await open_alerts(s, role="team_lead", team=team, is_admin=False) == []
        assert len(await open_alerts(s, role="admin", team=None, is_admin=True)) == 1

    # an analyst never sees questions without a municipality; a counsellor sees no review at all
    dashboard.session.cookie_jar.clear()
    await login_as(dashboard, ANALYST_A)
    assert "onbekendplaats" not in await (await dashboard.get("/dashboard/beoordelen")).text()
    assert (await dashboard.get(f"/dashboard/beoordelen/vraag/{unplaced}")).status == 404
    dashboard.session.cookie_jar.clear()
    await login(dashboard, "consulent@demo.geldhulp.nl")
    assert (await dashboard.get("/dashboard/beoordelen", allow_redirects=False)).status == 403


async def test_a_question_of_few_residents_is_keywords_only_until_opened(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    single = await add_question(
        db_url, "mijn ex-partner heeft op mijn naam een lening afgesloten", "GM0014", ref="r-one"
    )
    common = "kan ik kwijtschelding van de gemeentebelasting krijgen"
    for i in range(5):  # five different residents asked the same
        await add_question(db_url, common, "GM0014", ref=f"r-{i}")
    await add_question(db_url, "<script>alert(1)</script> vraag", "GM0014")
    await login_as(dashboard, ANALYST_A)
    listing = await (await dashboard.get("/dashboard/beoordelen")).text()
    assert "op mijn naam een lening" not in listing
    assert "afgesloten, lening, naam, partner" in listing
    assert f'href="/dashboard/beoordelen/vraag/{single}?' in listing
    assert common in listing  # five residents asked it: the (redacted) sentence may show
    assert "<script>alert(1)" not in listing

    overview = await (await dashboard.get("/dashboard/")).text()
    assert "op mijn naam een lening" not in overview
    assert common in overview
    assert "Alleen trefwoorden (minder dan 5 verschillende inwoners)" in overview
    csv_body = await (await dashboard.get("/dashboard/csv/unanswered.csv")).text()
    assert "op mijn naam een lening" not in csv_body and common in csv_body

    opened = await dashboard.get(f"/dashboard/beoordelen/vraag/{single}")
    text = await opened.text()
    assert opened.status == 200 and "mijn ex-partner heeft op mijn naam een lening" in text
    assert opened.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert ("review.read_question", None) in await audit_actions(db_url) or (
        "review.read_question",
        "ok",
    ) in await audit_actions(db_url)
    script_id = max((await rows(db_url)).keys())
    escaped = await (await dashboard.get(f"/dashboard/beoordelen/vraag/{script_id}")).text()
    assert "<script>alert(1)" not in escaped and "&lt;script&gt;alert(1)" in escaped


async def test_screens_show_no_code_names(dashboard, db_url) -> None:  # type: ignore[no-untyped-def]
    from tests.dashboard.conftest import generate, store

    await store(db_url, generate(seed=5, conversations=80))
    qid = await add_question(db_url, "wat doet een bewindvoerder", "GM0014", guess="debt_help")
    csrf = await login_as(dashboard, ANALYST_A)
    await dashboard.post(
        f"/dashboard/beoordelen/vraag/{qid}/onderwerp",
        data={"csrf": csrf, "label": "budgeting_admin"},
    )
    await add_question(db_url, "nog een vraag over energie", "GM0014", guess="energy_water")
    for path in ("/dashboard/", "/dashboard/beoordelen", f"/dashboard/beoordelen/vraag/{qid}"):
        response = await dashboard.get(path)
        assert response.status == 200, path
        text = visible_text(await response.text())
        assert re.findall(r"\b[a-z]+_[a-z_]+\b", text) == [], path
        for code in ("analyst", "whatsapp", "telegram", "nlu_fallback", "asked", "counsellor"):
            assert not re.search(rf"\b{code}\b", text), (path, code)
    page = visible_text(await (await dashboard.get("/dashboard/beoordelen")).text())
    assert "Overzicht en administratie" in page and "Schulden" in page
    assert "Buiten ons onderwerp" in page and "Gemiste crisis" in page
