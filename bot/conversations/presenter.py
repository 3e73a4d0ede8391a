"""Every text the use cases send a resident, rendered in one place from the domain responses.

The words live in the Rasa domain (`bot.texts.TextCatalog` reads them); this module only picks
the response and fills its placeholders: when a team is back, who writes (first name and role),
the place in the line and the measured wait. The use cases (router, attending, handover,
timeouts) decide what happens and ask the presenter how to say it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.conversations.assignment import TZ, next_opening
from bot.conversations.models import Reply
from bot.staff import StaffUser, Team
from bot.texts import TextCatalog

# written out so scripts/validate.py sees that code uses these responses
WEEKDAY_NAMES = (
    "utter_weekday_0",
    "utter_weekday_1",
    "utter_weekday_2",
    "utter_weekday_3",
    "utter_weekday_4",
    "utter_weekday_5",
    "utter_weekday_6",
)
ROLE_NAMES = {
    "counsellor": "utter_role_counsellor",
    "peer": "utter_role_peer",
    "team_lead": "utter_role_team_lead",
    "admin": "utter_role_admin",
}


def first_name(staff: StaffUser) -> str:
    """The first name a resident sees ("Sanne (demo)" -> "Sanne")."""
    return (staff.name or "").split(" ")[0].strip() or staff.name


@dataclass(frozen=True)
class Audience:
    """Whom a text is for: the resident's channel and language (None or "nl" is Dutch)."""

    channel: str
    language: str | None = None


class _HasAudience(Protocol):
    channel: str
    language: str | None


def audience(conv: _HasAudience) -> Audience:
    """The audience of a conversation: its channel and the language the resident uses."""
    return Audience(conv.channel, conv.language)


@dataclass(frozen=True)
class Presenter:
    """Renders domain responses for a resident's channel, in the resident's language."""

    texts: TextCatalog

    def reply(self, response: str, to: Audience, **values: Any) -> Reply:
        """A domain response as a reply (placeholders filled, buttons kept)."""
        text = self.texts.render(response, channel=to.channel, language=to.language, **values)
        return Reply(text.text, text.buttons)

    def text(self, response: str, to: Audience, **values: Any) -> str:
        """Only the text of a domain response."""
        return self.reply(response, to, **values).text

    def has(self, response: str) -> bool:
        """True when the domain has this response (a crisis kind's own answer, say)."""
        return response in self.texts.names()

    def crisis_answer(self, kind: str | None) -> str:
        """The crisis answer for ``kind`` (suicide, violence, ...): its own, else the general."""
        specific = f"utter_crisis_{kind}" if kind else ""
        return specific if self.has(specific) else "utter_crisis"

    def team_name(self, team: Team | None, to: Audience) -> str:
        """The team's name, or the words for a team not known yet."""
        return team.name if team is not None else self.text("utter_team_unknown", to)

    def back(self, team: Team | None, now: datetime, to: Audience) -> str:
        """When the team is back ("op maandag om 09:00 uur"), in words."""
        opening = next_opening(team.opening_hours or {}, now) if team else None
        if opening is None:
            return self.text("utter_back_unknown", to)
        if opening.date() == now.astimezone(TZ).date():
            return self.text("utter_back_today", to, time=opening.strftime("%H:%M"))
        day = self.text(WEEKDAY_NAMES[opening.weekday()], to)
        return self.text("utter_back_day", to, day=day, time=opening.strftime("%H:%M"))

    def role(self, role: str, to: Audience) -> str:
        """The role as residents read it ("ervaringsdeskundige")."""
        return self.text(ROLE_NAMES.get(role, "utter_role_admin"), to)

    def author(self, staff: StaffUser, to: Audience) -> dict[str, str]:
        """Who writes, for the resident's channel: first name and role."""
        return {"type": "person", "name": first_name(staff), "role": self.role(staff.role, to)}

    def line(self, place: int, minutes: int | None, to: Audience) -> dict[str, str]:
        """The resident's place in the line and the team's measured wait, as two sentences."""
        if place <= 1:
            place_text = self.text("utter_wait_place_next", to)
        elif place == 2:
            place_text = self.text("utter_wait_place_one", to)
        else:
            place_text = self.text("utter_wait_place_more", to, ahead=place - 1)
        if minutes is None:
            wait = self.text("utter_wait_unknown", to)
        elif minutes == 1:
            wait = self.text("utter_wait_measured_one", to)
        else:
            wait = self.text("utter_wait_measured", to, minutes=minutes)
        return {"place": place_text, "wait": wait}
