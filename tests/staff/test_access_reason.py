"""An admin opens another team's conversation only with a reason: kept, audited, announced to the
team lead, and readable by the lead at /console/redenen; a reason that says nothing is refused."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.conversations.tables import Conversation, Handover
from bot.staff import AuditEntry, StaffAlert, StaffUser, Team, User
from bot.staff.access import needs_reason
from bot.storage.db import open_database
from tests.staff.conftest import ADMIN, COUNSELLOR, LEAD, post_login, seed_staff

REASON = "Klacht van de inwoner over de afhandeling, nagaan wat er is gebeurd"


async def add_conversation(db_url: str, team_id: int) -> str:
    async with open_database(db_url) as (_e, factory), factory() as s:
        conv = Conversation(id="c0ffee00-0000-4000-8000-000000000001", channel="web")
        s.add(conv)
        await s.flush()
        s.add(Handover(conversation_id=conv.id, team_id=team_id, reason="asked"))
        await s.commit()
        return conv.id


async def user(db_url: str, email: str) -> User:
    async with open_database(db_url) as (_e, factory), factory() as s:
        staff = await s.scalar(select(StaffUser).where(StaffUser.email == email))
        assert staff is not None
        team = await s.get(Team, staff.team_id) if staff.team_id else None
        return User(staff, team, "csrf", "sid")


async def csrf(client) -> str:  # type: ignore[no-untyped-def]
    page = await (await client.get("/console/")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


async def test_who_needs_a_reason(db_url: str) -> None:
    ids = await seed_staff(db_url)
    conv = await add_conversation(db_url, ids["team"])
    admin, counsellor = await user(db_url, ADMIN), await user(db_url, COUNSELLOR)
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert await needs_reason(s, admin, conv, ids["team"])
        assert await needs_reason(s, admin, conv, None)  # not routed yet: still another team's
        assert not await needs_reason(s, counsellor, conv, ids["team"])  # the team itself


async def test_reason_is_kept_audited_and_shown_to_the_team_lead(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    ids = await seed_staff(db_url)
    conv = await add_conversation(db_url, ids["team"])
    admin = await staff_app()
    assert await post_login(admin, ADMIN) == "/console/"
    token = await csrf(admin)
    r = await admin.post(
        "/console/access-reason",
        data={"csrf": token, "conversation": conv, "reason": "even kijken"},
        allow_redirects=False,
    )
    assert r.headers["Location"] == f"/console/c/{conv}?error=reason"
    r = await admin.post(
        "/console/access-reason",
        data={"csrf": token, "conversation": conv, "reason": REASON},
        allow_redirects=False,
    )
    assert r.headers["Location"] == f"/console/c/{conv}"
    admin_user = await user(db_url, ADMIN)
    async with open_database(db_url) as (_e, factory), factory() as s:
        assert not await needs_reason(s, admin_user, conv, ids["team"])
        entry = await s.scalar(select(AuditEntry).where(AuditEntry.action == "access.reason"))
        assert entry is not None and entry.conversation_id == conv and entry.origin
        assert REASON not in (entry.object_ref or "")  # the reason's text stays out of the log
        alert = await s.scalar(select(StaffAlert))
        assert alert is not None and (alert.kind, alert.audience) == ("admin_access", "team_lead")
        assert alert.team_id == ids["team"] and alert.ref == conv

    lead = await staff_app()
    assert await post_login(lead, LEAD) == "/console/"
    page = await (await lead.get("/console/redenen")).text()
    assert REASON in page and "Bram" in page
    counsellor = await staff_app()
    await post_login(counsellor, COUNSELLOR)
    assert (await counsellor.get("/console/redenen", allow_redirects=False)).status == 403


async def test_the_conversation_page_asks_the_admin_the_reason_first(staff_app, db_url) -> None:  # type: ignore[no-untyped-def]
    """The real conversation view: an admin of no team sees the question, not the chat; its
    actions are refused; once the reason is given the page opens (and the opening is audited).
    The team's own counsellor opens it without a question."""
    ids = await seed_staff(db_url)
    conv = await add_conversation(db_url, ids["team"])
    admin = await staff_app()
    assert await post_login(admin, ADMIN) == "/console/"
    first = await admin.get(f"/console/c/{conv}")
    page = await first.text()
    assert first.status == 200
    assert "Waarom open je dit gesprek?" in page and 'name="reason"' in page
    token = await csrf(admin)
    note = await admin.post(
        f"/console/c/{conv}/note", data={"csrf": token, "text": "x"}, allow_redirects=False
    )
    assert note.status == 403  # no action before the reason either
    async with open_database(db_url) as (_e, factory), factory() as s:
        opened = (await s.scalars(select(AuditEntry.id).where(AuditEntry.action == "opened"))).all()
    assert opened == []  # asking is not opening
    given = await admin.post(
        "/console/access-reason",
        data={"csrf": token, "conversation": conv, "reason": REASON},
        allow_redirects=False,
    )
    assert given.headers["Location"] == f"/console/c/{conv}"
    page = await (await admin.get(given.headers["Location"])).text()
    assert "Waarom open je dit gesprek?" not in page and 'name="reason"' not in page
    async with open_database(db_url) as (_e, factory), factory() as s:
        opened = (
            await s.scalars(select(AuditEntry.staff_id).where(AuditEntry.action == "opened"))
        ).all()
    assert len(opened) == 1

    counsellor = await staff_app()
    assert await post_login(counsellor, COUNSELLOR) == "/console/"
    page = await (await counsellor.get(f"/console/c/{conv}")).text()
    assert "Waarom open je dit gesprek?" not in page
