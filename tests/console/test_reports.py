"""Reports per person and per team (/console/rapport), per role: a counsellor sees their own row,
a team lead the team, an admin another team's only after a reason, an analyst nothing; the
figures come from real chats through the gateway (take, reply, close, hand back, CSAT); CSAT is
suppressed below 5 answers; the CSV has the same rows. Both database backends."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re

from sqlalchemy import select

from bot.conversations.keys import WAKEUPS
from bot.conversations.tables import CsatAnswer
from bot.staff import StaffUser, Team, hash_password
from bot.staff.tables import AccessReason
from bot.storage.base import utcnow
from tests.conversations.conftest import PASSWORD, Gateway, Resident
from tests.support.staff_login import login_csrf

SANNE, AHMED, LEAD = "sanne@test.geldhulp.nl", "ahmed@test.geldhulp.nl", "lead@test.geldhulp.nl"
JORIS = "dicht@test.geldhulp.nl"
ADMIN, ANALYST = "beheer@test.geldhulp.nl", "analist@test.geldhulp.nl"


async def add_people(gw: Gateway) -> None:
    async with gw.factory() as s:
        for email, name, role in [
            (ADMIN, "Beheer (test)", "admin"),
            (ANALYST, "Ana (test)", "analyst"),
        ]:
            s.add(
                StaffUser(
                    email=email,
                    name=name,
                    role=role,
                    team_id=None,
                    password_hash=hash_password(PASSWORD),
                    failed_logins=0,
                )
            )
        await s.commit()


async def act(gw: Gateway, resident: Resident, email: str, action: str, **form: str) -> None:
    csrf = await login_csrf(gw.client, email, PASSWORD)
    response = await gw.client.post(
        f"/console/c/{resident.conversation_id}/{action}",
        data={"csrf": csrf, **form},
        allow_redirects=False,
    )
    assert response.status == 302, await response.text()
    gw.client.app[WAKEUPS].outbox.set()
    await resident.settle()


async def chats(gw: Gateway) -> None:
    """Sanne: one chat answered and closed (the resident answers the question), one handed
    back; Ahmed: one chat closed as "no answer"."""
    first = await gw.with_person()
    await act(gw, first, SANNE, "reply", text="Hoi, ik ben Sanne. Vertel maar.")
    await act(gw, first, SANNE, "close", outcome="referred")
    await first.say(payload="/csat_good")
    second = await gw.with_person()
    await act(gw, second, SANNE, "back")
    third = await gw.waiting(kind="peer")
    await gw.take(third, AHMED)
    await act(gw, third, AHMED, "close", outcome="no_show")


def table(html: str) -> list[list[str]]:
    """The report table's rows as lists of cell texts (header row first)."""
    body = html.split('<table id="report-table">', 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


async def report(gw: Gateway, email: str, query: str = "") -> tuple[int, str]:
    await login_csrf(gw.client, email, PASSWORD)
    response = await gw.client.get(f"/console/rapport{query}", allow_redirects=False)
    return response.status, await response.text()


async def test_a_counsellor_sees_only_their_own_row(own_gw: Gateway) -> None:
    await chats(own_gw)
    status, html = await report(own_gw, SANNE)
    assert status == 200
    rows = table(html)
    assert [r[0] for r in rows[1:]] == ["Sanne (test), schuldhulpverlener"]
    sanne = dict(zip(rows[0], rows[1], strict=True))
    assert sanne["Gesprekken"] == "2"
    assert sanne["Afgesloten"] == "1" and sanne["Teruggegeven"] == "1"
    assert sanne["Geen antwoord"] == "0"
    assert sanne["Eerste antwoord"].endswith(" min")  # she wrote after taking the first chat
    assert sanne["Antwoorden tevredenheid"] == "<5"  # one answer: suppressed
    assert "te weinig" in sanne["Gemiddelde tevredenheid (1–3)"]
    assert "Ahmed" not in html and "Heel het team" not in html
    # another team's counsellor cannot ask for this team
    async with own_gw.factory() as s:
        open_team = await s.scalar(select(Team.id).where(Team.name == "Open team (test)"))
    status, html = await report(own_gw, JORIS, f"?team={open_team}")
    assert status == 200 and "Sanne" not in html and "Joris (test)" in html


async def test_a_team_lead_sees_every_person_and_the_team_and_the_csv(own_gw: Gateway) -> None:
    await chats(own_gw)
    status, html = await report(own_gw, LEAD)
    assert status == 200
    rows = {r[0]: r for r in table(html)[1:]}
    assert rows["Sanne (test), schuldhulpverlener"][1] == "2"
    assert rows["Ahmed (test), ervaringsdeskundige"][1] == "1"
    assert rows["Ahmed (test), ervaringsdeskundige"][6] == "1"  # no answer
    team = rows["Heel het team (Open team (test))"]
    assert team[1] == "3"
    assert "Joris" not in html  # another team's person
    csv_response = await own_gw.client.get("/console/rapport?format=csv")
    assert csv_response.status == 200
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(await csv_response.text()), delimiter=";"))
    assert lines[0][0] == "Wie" and len(lines) == 1 + len(rows)
    assert {line[0] for line in lines[1:]} == set(rows)


async def test_csat_mean_is_shown_from_five_answers(own_gw: Gateway) -> None:
    await chats(own_gw)
    async with own_gw.factory() as s:
        sanne = await s.scalar(select(StaffUser).where(StaffUser.email == SANNE))
        assert sanne is not None
        for score in (1, 3, 3, 2):  # with the resident's "good" (3): five answers
            s.add(
                CsatAnswer(
                    score=score,
                    team_id=sanne.team_id,
                    staff_id=sanne.id,
                    channel="web",
                    answered_on=utcnow().date(),
                )
            )
        await s.commit()
    _status, html = await report(own_gw, SANNE)
    sanne_row = table(html)[1]
    assert sanne_row[-2:] == ["5", "2,4"]


async def test_an_admin_gives_a_reason_for_another_teams_report(own_gw: Gateway) -> None:
    await add_people(own_gw)
    await chats(own_gw)
    async with own_gw.factory() as s:
        open_team = await s.scalar(select(Team.id).where(Team.name == "Open team (test)"))
    status, html = await report(own_gw, ADMIN, f"?team={open_team}")
    assert status == 200
    assert 'action="/console/rapport/reden"' in html and "report-table" not in html
    csrf = re.search(r'name="csrf" value="([^"]+)"', html)
    assert csrf is not None
    short = await own_gw.client.post(
        "/console/rapport/reden",
        data={"csrf": csrf.group(1), "team": str(open_team), "reason": "even kijken"},
        allow_redirects=False,
    )
    assert short.status == 302 and "error=reason" in short.headers["Location"]
    given = await own_gw.client.post(
        "/console/rapport/reden",
        data={
            "csrf": csrf.group(1),
            "team": str(open_team),
            "reason": "Kwartaalgesprek met de teamleider over wachttijden",
        },
        allow_redirects=False,
    )
    assert given.status == 302
    page = await own_gw.client.get(given.headers["Location"])
    assert "Heel het team (Open team (test))" in await page.text()
    async with own_gw.factory() as s:
        reasons = (await s.scalars(select(AccessReason))).all()
    assert [(r.team_id, r.conversation_id) for r in reasons] == [
        (open_team, f"report:team:{open_team}")
    ]


async def test_an_analyst_gets_no_report_and_a_bad_period_is_refused(own_gw: Gateway) -> None:
    await add_people(own_gw)
    status, _html = await report(own_gw, ANALYST)
    assert status == 403
    status, _html = await report(own_gw, SANNE, "?van=2026-12-10&tot=2026-12-01")
    assert status == 400
    status, _html = await report(own_gw, SANNE, "?van=gisteren")
    assert status == 400
