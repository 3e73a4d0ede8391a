"""Demo teams for the console, clearly marked as demo (names end in "(demo)").

Three teams: a municipality's team (Groningen, office hours), a national pool (every day
08-22) and a 24/7 crisis pool, where crisis chats wait out of hours. `make run` prints one demo
login for each team and role (`login_lines`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.console.tables import QuickReply
from bot.labels import Labels
from bot.staff import StaffUser, Team, hash_password
from bot.staff.team_rules import set_rules
from bot.texts import TextCatalog

DEMO_PASSWORD = "demo-geldhulp"  # noqa: S105 - demo only: printed by `make run` and in docs/console.md
WEEKDAYS = {str(d): [["09:00", "17:00"]] for d in range(5)}
EVERY_DAY = {str(d): [["08:00", "22:00"]] for d in range(7)}
AROUND_THE_CLOCK = {str(d): [["00:00", "24:00"]] for d in range(7)}
# seed copies of the domain's ready-made replies; each team edits its own copies in the console
QUICK_REPLIES = {
    "utter_quick_reply_welcome": "Welkom",
    "utter_quick_reply_appointment": "Afspraak",
    "utter_quick_reply_walk_in": "Inloopspreekuur",
    "utter_quick_reply_thanks": "Bedankt",
}
# (name, municipality codes, kinds, opening hours, 24/7 crisis pool)
TEAMS = [
    ("Schuldhulp Groningen (demo)", ["GM0014"], ["counsellor", "peer"], WEEKDAYS, False),
    ("Landelijk team (demo)", [], ["counsellor", "peer"], EVERY_DAY, False),
    ("Crisisdienst 24/7 (demo)", [], ["counsellor"], AROUND_THE_CLOCK, True),
]
# (e-mail, name, role, index in TEAMS or None)
USERS = [
    ("consulent@demo.geldhulp.nl", "Sanne (demo)", "counsellor", 0),
    ("ervaring@demo.geldhulp.nl", "Ahmed (demo)", "peer", 0),
    ("teamlead@demo.geldhulp.nl", "Petra (demo)", "team_lead", 0),
    ("landelijk@demo.geldhulp.nl", "Joris (demo)", "counsellor", 1),
    ("landelijk-ervaring@demo.geldhulp.nl", "Fatima (demo)", "peer", 1),
    ("landelijk-teamlead@demo.geldhulp.nl", "Kees (demo)", "team_lead", 1),
    ("crisis@demo.geldhulp.nl", "Noor (demo)", "counsellor", 2),
    ("crisis-teamlead@demo.geldhulp.nl", "Wim (demo)", "team_lead", 2),
    ("analist@demo.geldhulp.nl", "Mila (demo)", "analyst", 0),
    ("admin@demo.geldhulp.nl", "Beheer (demo)", "admin", None),
]


def login_lines() -> list[str]:
    """The demo logins that `make run` prints: one per demo team and role (demo data only)."""
    labels = Labels.load()
    lines = []
    for email, name, role, team in USERS:
        where = TEAMS[team][0] if team is not None else labels.label("console.all_teams")
        if team is not None and TEAMS[team][4]:
            where += ", " + labels.label("console.crisis_pool_note")
        lines.append(
            f"{email} / {DEMO_PASSWORD}  ({name}, {labels.label(f'role.{role}')}: {where})"
        )
    return lines


async def seed(factory: async_sessionmaker, *, if_empty: bool) -> str:  # type: ignore[type-arg]
    """Create the demo teams and people (once)."""
    async with factory() as session:
        if if_empty and await session.scalar(select(func.count()).select_from(StaffUser)):
            return "staff exist; nothing seeded"
        teams = [
            Team(name=name, municipality_codes=codes, kinds=kinds, opening_hours=hours, demo=True)
            for name, codes, kinds, hours, _pool in TEAMS
        ]
        session.add_all(teams)
        await session.flush()
        for team, (*_rest, pool) in zip(teams, TEAMS, strict=True):
            if pool:
                await set_rules(session, team.id, crisis_pool=True)
        texts = TextCatalog.load()
        for team in teams:
            for name, title in QUICK_REPLIES.items():
                session.add(QuickReply(team_id=team.id, title=title, text=texts.render(name).text))
        hashed = hash_password(DEMO_PASSWORD)
        for email, name, role, team_index in USERS:
            session.add(
                StaffUser(
                    email=email,
                    name=name,
                    role=role,
                    password_hash=hashed,
                    team_id=teams[team_index].id if team_index is not None else None,
                    presence="available",
                    failed_logins=0,
                    max_chats=3,
                    demo=True,
                )
            )
        await session.commit()
    return (
        f"demo teams: log in at /console/ as consulent@demo.geldhulp.nl, password {DEMO_PASSWORD}"
    )
