"""A demo team for the console, clearly marked as demo (names end in "(demo)")."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.console.tables import QuickReply
from bot.staff import StaffUser, Team, hash_password
from bot.texts import TextCatalog

DEMO_PASSWORD = "demo-geldhulp"  # noqa: S105 - demo only, refused outside development  # demo only: printed by `make run` and in docs/console.md
WEEKDAYS = {str(d): [["09:00", "17:00"]] for d in range(5)}
EVERY_DAY = {str(d): [["08:00", "22:00"]] for d in range(7)}
# seed copies of the domain's ready-made replies; each team edits its own copies in the console
QUICK_REPLIES = {
    "utter_quick_reply_welcome": "Welkom",
    "utter_quick_reply_appointment": "Afspraak",
    "utter_quick_reply_walk_in": "Inloopspreekuur",
    "utter_quick_reply_thanks": "Bedankt",
}
USERS = [
    ("consulent@demo.geldhulp.nl", "Sanne (demo)", "counsellor", 0),
    ("ervaring@demo.geldhulp.nl", "Ahmed (demo)", "peer", 0),
    ("teamlead@demo.geldhulp.nl", "Petra (demo)", "team_lead", 0),
    ("landelijk@demo.geldhulp.nl", "Joris (demo)", "counsellor", 1),
    ("analist@demo.geldhulp.nl", "Mila (demo)", "analyst", 0),
    ("admin@demo.geldhulp.nl", "Beheer (demo)", "admin", None),
]


def login_lines() -> list[str]:
    """The demo logins that `make run` prints: one line per demo person (demo data only)."""
    return [f"{email} / {DEMO_PASSWORD}  ({name}, {role})" for email, name, role, _team in USERS]


async def seed(factory: async_sessionmaker, *, if_empty: bool) -> str:  # type: ignore[type-arg]
    """Create the demo teams and people (once)."""
    async with factory() as session:
        if if_empty and await session.scalar(select(func.count()).select_from(StaffUser)):
            return "staff exist; nothing seeded"
        teams = [
            Team(
                name="Schuldhulp Groningen (demo)",
                municipality_codes=["GM0014"],
                kinds=["counsellor", "peer"],
                opening_hours=WEEKDAYS,
                demo=True,
            ),
            Team(
                name="Landelijk team (demo)",
                municipality_codes=[],
                kinds=["counsellor", "peer"],
                opening_hours=EVERY_DAY,
                demo=True,
            ),
        ]
        session.add_all(teams)
        await session.flush()
        texts = TextCatalog.load()
        for team in teams:
            for name, title in QUICK_REPLIES.items():
                session.add(QuickReply(team_id=team.id, title=title, text=texts.render(name).text))
        hashed = hash_password(DEMO_PASSWORD)
        for email, name, role, team in USERS:
            session.add(
                StaffUser(
                    email=email,
                    name=name,
                    role=role,
                    password_hash=hashed,
                    team_id=teams[team].id if team is not None else None,
                    presence="available",
                    failed_logins=0,
                    max_chats=3,
                    demo=True,
                )
            )
        await session.commit()
    return f"demo team: log in at /console/ as consulent@demo.geldhulp.nl, password {DEMO_PASSWORD}"
