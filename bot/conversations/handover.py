"""Handover use cases: route a request to a team, take it (one winner), reply, hand back, close.

The assistant decides (the `handover` payload); this module carries it out. Every change of
state goes through `store.move` (the state table) and records analytics events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName, record_event
from bot.conversations import store
from bot.conversations.assignment import ROLES_FOR_KIND, TZ, is_open, next_opening, pick_team
from bot.conversations.models import Reply
from bot.conversations.states import Status
from bot.conversations.tables import ChannelIdentity, Conversation, Handover
from bot.privacy.pseudonym import pseudonym
from bot.settings import Settings
from bot.staff import StaffUser, Team
from bot.storage.base import utcnow
from bot.texts import TextCatalog

MINUTES_PER_WAITING = 5
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


class HandoverError(Exception):
    """A handover action that cannot be done (already taken, not yours, closed)."""


@dataclass
class HandoverService:
    """Carries out handovers; the router calls `request`, the console the rest."""

    texts: TextCatalog
    pseudonym_key: str

    def _reply(self, response: str, channel: str, **values: Any) -> Reply:
        text = self.texts.render(response, channel=channel, **values)
        return Reply(text.text, text.buttons)

    def _back(self, hours: dict[str, Any], now: datetime, channel: str) -> str:
        opening = next_opening(hours, now)
        if opening is None:
            return self._reply("utter_back_unknown", channel).text
        if opening.date() == now.astimezone(TZ).date():
            return self._reply("utter_back_today", channel, time=opening.strftime("%H:%M")).text
        day = self._reply(WEEKDAY_NAMES[opening.weekday()], channel).text
        return self._reply("utter_back_day", channel, day=day, time=opening.strftime("%H:%M")).text

    async def request(
        self,
        session: AsyncSession,
        conv: Conversation,
        decision: dict[str, Any],
        identity: ChannelIdentity,
    ) -> list[Reply]:
        """Route to a team and tell the resident who comes, roughly when, or when we're back."""
        now = utcnow()
        kind = decision.get("kind")
        teams = list((await session.scalars(select(Team))).all())
        team = pick_team(teams, conv.municipality_code, kind)
        roles = ROLES_FOR_KIND.get(kind or "", {"counsellor", "team_lead", "peer"})
        online = 0
        if team is not None:
            online = int(
                await session.scalar(
                    select(func.count())
                    .select_from(StaffUser)
                    .where(
                        StaffUser.team_id == team.id,
                        StaffUser.presence == "available",
                        StaffUser.role.in_(roles),
                    )
                )
                or 0
            )
        out_of_hours = team is None or not is_open(team.opening_hours or {}, now) or online == 0
        session.add(
            Handover(
                conversation_id=conv.id,
                team_id=team.id if team else None,
                kind=kind,
                reason=str(decision.get("reason") or "asked"),
                urgent=bool(decision.get("urgent")),
                out_of_hours=out_of_hours,
                requested_at=now,
            )
        )
        name = team.name if team else "het hulpteam"
        replies: list[Reply] = []
        if out_of_hours:
            back = (
                self._back(team.opening_hours or {}, now, conv.channel)
                if team
                else self._reply("utter_back_unknown", conv.channel).text
            )
            replies.append(
                self._reply("utter_handover_out_of_hours", conv.channel, team=name, back=back)
            )
            replies.append(self._reply("utter_handover_ask_consent", conv.channel))
        else:
            waiting = int(
                await session.scalar(
                    select(func.count())
                    .select_from(Handover)
                    .where(
                        Handover.team_id == team.id,
                        Handover.assigned_to.is_(None),
                        Handover.ended_at.is_(None),
                    )
                )
                or 0
            )  # type: ignore[union-attr]
            wait = (
                "utter_wait_minutes" if waiting * MINUTES_PER_WAITING <= 15 else "utter_wait_longer"
            )
            response = (
                "utter_handover_queued_peer"
                if kind == "peer"
                else "utter_handover_queued_counsellor"
            )
            replies.append(
                self._reply(
                    response, conv.channel, team=name, wait=self._reply(wait, conv.channel).text
                )
            )
        if decision.get("reason") == "crisis":
            replies.append(self._reply("utter_handover_crisis_reminder", conv.channel))
        return replies

    async def cancel(self, session: AsyncSession, conv: Conversation) -> None:
        """The resident cancelled the wait ("toch niet"): the request leaves the queue."""
        await session.execute(
            update(Handover)
            .where(Handover.conversation_id == conv.id, Handover.ended_at.is_(None))
            .values(ended_at=utcnow(), outcome="cancelled")
            .execution_options(synchronize_session=False)
        )

    async def consent(self, session: AsyncSession, conv: Conversation, allowed: bool) -> Reply:
        """Out of hours: the resident says whether the team may write to them later."""
        handover = await self._open(session, conv)
        if handover is not None:
            handover.contact_consent = allowed
        name = "utter_handover_consent_yes" if allowed else "utter_handover_consent_no"
        return self._reply(name, conv.channel)

    async def _open(self, session: AsyncSession, conv: Conversation) -> Handover | None:
        return await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == conv.id, Handover.ended_at.is_(None))
            .order_by(Handover.id.desc())
            .limit(1)
        )

    async def take(self, session: AsyncSession, handover_id: int, staff: StaffUser) -> Handover:
        """Assign to ``staff``; exactly one person wins even when two click at once."""
        now = utcnow()
        active = int(
            await session.scalar(
                select(func.count())
                .select_from(Handover)
                .where(Handover.assigned_to == staff.id, Handover.ended_at.is_(None))
            )
            or 0
        )
        if active >= staff.max_chats:
            raise HandoverError(f"je hebt al {active} gesprekken open (maximum {staff.max_chats})")
        result = await session.execute(
            update(Handover)
            .where(
                Handover.id == handover_id,
                Handover.assigned_to.is_(None),
                Handover.ended_at.is_(None),
            )
            .values(assigned_to=staff.id, assigned_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise HandoverError("al opgepakt door een collega")
        handover = await session.get(Handover, handover_id)
        assert handover is not None
        await session.refresh(handover)
        conv = await session.get(Conversation, handover.conversation_id)
        assert conv is not None
        store.move(session, conv, Status.WITH_HUMAN, f"staff:{staff.id}", "taken")
        await record_event(
            session,
            EventName.HANDOVER_ASSIGNED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            kind=handover.kind,
            reason=handover.reason,
            conversation_ref=pseudonym(self.pseudonym_key, conv.id),
            out_of_hours=handover.out_of_hours,
            value_seconds=(now - handover.requested_at).total_seconds(),
        )
        identity = (
            await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None
        )
        if identity is not None:
            store.enqueue_reply(
                session,
                conv,
                identity,
                self._reply("utter_handover_joined", conv.channel, name=staff.name),
                sender_type="human",
            )
        return handover

    async def transfer(
        self,
        session: AsyncSession,
        conv: Conversation,
        staff: StaffUser,
        target: str,
    ) -> None:
        """Pass the chat to a colleague (``staff:<id>``) or to the other kind (``kind:peer``)."""
        handover = await self._open(session, conv)
        if handover is None:
            raise HandoverError("geen open overdracht")
        identity = (
            await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None
        )
        kind_of, _, value = target.partition(":")
        if kind_of == "staff":
            colleague = await session.get(StaffUser, int(value)) if value.isdigit() else None
            if colleague is None or colleague.team_id != staff.team_id or colleague.id == staff.id:
                raise HandoverError("kies een collega uit je eigen team")
            handover.assigned_to, handover.assigned_at = colleague.id, utcnow()
            store.add_event(
                session,
                conv,
                "handover.transferred",
                f"staff:{staff.id}",
                to=f"staff:{colleague.id}",
            )
        elif kind_of == "kind" and value in ROLES_FOR_KIND:
            handover.ended_at, handover.outcome = utcnow(), "transferred"
            teams = list((await session.scalars(select(Team))).all())
            team = pick_team(teams, conv.municipality_code, value)
            session.add(
                Handover(
                    conversation_id=conv.id,
                    team_id=team.id if team else None,
                    kind=value,
                    reason=handover.reason,
                    urgent=handover.urgent,
                    out_of_hours=False,
                    requested_at=utcnow(),
                )
            )
            store.move(
                session, conv, Status.WAITING_FOR_HUMAN, f"staff:{staff.id}", f"transfer to {value}"
            )
        else:
            raise HandoverError("onbekende bestemming")
        if identity is not None:
            store.enqueue_reply(
                session,
                conv,
                identity,
                self._reply("utter_handover_transferred", conv.channel),
                sender_type="system",
            )

    async def say(
        self, session: AsyncSession, conv: Conversation, staff: StaffUser, text: str
    ) -> None:
        """A message from the person to the resident, through the resident's channel."""
        identity = (
            await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None
        )
        if identity is None:
            raise HandoverError("deze inwoner is niet meer bereikbaar")
        store.enqueue_reply(
            session, conv, identity, Reply(text), sender_type="human", data={"staff_id": staff.id}
        )

    async def finish(
        self,
        session: AsyncSession,
        conv: Conversation,
        staff: StaffUser,
        *,
        to: Status,
        outcome: str,
    ) -> None:
        """Hand back to the bot (to=BOT) or close with an outcome (to=CLOSED)."""
        handover = await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == conv.id, Handover.ended_at.is_(None))
            .order_by(Handover.id.desc())
            .limit(1)
        )
        if handover is not None:
            handover.ended_at, handover.outcome = utcnow(), outcome
        store.move(session, conv, to, f"staff:{staff.id}", outcome)
        conv.handover = None
        await record_event(
            session,
            EventName.HANDOVER_CLOSED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            outcome=outcome,
            kind=handover.kind if handover else None,
            reason=handover.reason if handover else None,
            conversation_ref=pseudonym(self.pseudonym_key, conv.id),
        )
        identity = (
            await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None
        )
        if identity is not None:
            name = "utter_disclosure_back" if to == Status.BOT else "utter_handover_closed"
            store.enqueue_reply(
                session, conv, identity, self._reply(name, conv.channel), sender_type="system"
            )


def attach(app: web.Application, router: Any, settings: Settings) -> None:
    """Let the router hand decisions to this service (called by the app factory)."""
    from bot import keys

    service = HandoverService(router.texts, str(settings.pseudonym_key))
    app[keys.EXTRA]["handover"] = service
    router.on_handover = service.request
    router.attending.handover = service
