"""Handover use cases: route a request to a team, take it (one winner), reply, hand back, close,
and the moves of attending (a crisis to the top or to the 24/7 pool, overdue, offered again).

The assistant decides (the `handover` payload); this module carries it out. Every change of
state goes through `store.move` (the state table) and records analytics events. No network
I/O: replies go to the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics import EventName, record_event
from bot.conversations import csat, store, summary
from bot.conversations.assignment import ROLES_FOR_KIND, is_open, next_opening, pick_team
from bot.conversations.models import Reply
from bot.conversations.presenter import Audience, Presenter, audience
from bot.conversations.states import Status
from bot.conversations.tables import CallbackPhone, ChannelIdentity, Conversation, Handover
from bot.conversations.waiting import place_in_line, team_is_there, typical_wait_minutes
from bot.privacy.pseudonym import pseudonym
from bot.staff import StaffUser, Team, raise_alert
from bot.staff.team_rules import Rules, all_rules
from bot.storage.base import utcnow

CRISIS = "crisis"  # the crisis kind when the safety layer did not name one


class HandoverError(Exception):
    """A handover action that cannot be done (already taken, not yours, closed)."""


@dataclass
class HandoverService:
    """Carries out handovers; the router calls `request`, attending and the console the rest."""

    presenter: Presenter
    pseudonym_key: str

    async def line(
        self, session: AsyncSession, handover: Handover, to: Audience, now: datetime
    ) -> dict[str, str]:
        """The resident's place in the line and the team's measured wait, as two sentences."""
        place = await place_in_line(session, handover)
        minutes = await typical_wait_minutes(session, handover.team_id, now)
        return self.presenter.line(place, minutes, to)

    # --- lookups ---------------------------------------------------------------------------

    async def open_handover(self, session: AsyncSession, conv: Conversation) -> Handover | None:
        """The conversation's open request (the latest one not ended)."""
        return await session.scalar(
            select(Handover)
            .where(Handover.conversation_id == conv.id, Handover.ended_at.is_(None))
            .order_by(Handover.id.desc())
            .limit(1)
        )

    async def crisis_pool(
        self, session: AsyncSession, now: datetime, *, exclude: int | None = None
    ) -> Team | None:
        """A 24/7 crisis pool team with someone there now (the lowest id first)."""
        rules = await all_rules(session)
        for team_id in sorted(t for t, r in rules.items() if r.crisis_pool and t != exclude):
            team = await session.get(Team, team_id)
            if await team_is_there(session, team, None, now):
                return team
        return None

    async def identity(self, session: AsyncSession, conv: Conversation) -> ChannelIdentity | None:
        """Where the resident can be reached (None once forgotten)."""
        return await session.get(ChannelIdentity, conv.identity_id) if conv.identity_id else None

    def ref(self, conv: Conversation) -> str:
        """The analytics pseudonym of a conversation."""
        return pseudonym(self.pseudonym_key, conv.id)

    # --- the request -------------------------------------------------------------------------

    async def request(
        self,
        session: AsyncSession,
        conv: Conversation,
        decision: dict[str, Any],
        identity: ChannelIdentity,
    ) -> list[Reply]:
        """Route to a team and tell the resident who comes, their place and the measured wait,
        or when the team is back; a crisis out of hours goes to the 24/7 pool when there is one.
        """
        now = utcnow()
        kind = decision.get("kind")
        crisis = decision.get("reason") == "crisis"
        teams = list((await session.scalars(select(Team))).all())
        rules = await all_rules(session)
        normal = [t for t in teams if not rules.get(t.id, Rules()).crisis_pool]
        team = pick_team(normal or teams, conv.municipality_code, kind)
        there = await team_is_there(session, team, kind, now)
        pool = None
        if crisis and not there:
            pool = await self.crisis_pool(session, now, exclude=team.id if team else None)
        routed = pool or team
        handover = Handover(
            conversation_id=conv.id,
            team_id=routed.id if routed else None,
            kind=kind,
            reason=str(decision.get("reason") or "asked"),
            urgent=bool(decision.get("urgent")) or crisis,
            out_of_hours=not (there or pool),
            requested_at=now,
            crisis_kind=(str(decision.get("crisis_kind") or CRISIS)[:20]) if crisis else None,
            crisis_at=now if crisis else None,
            left_message=False,
        )
        session.add(handover)
        await session.flush()
        await self._summarise(session, conv, decision, now)
        if crisis:  # the assistant sent the crisis answer with this decision
            store.add_event(session, conv, "crisis.answered", "bot", kind=handover.crisis_kind)
        if crisis and routed is not None:
            await self._crisis_alert(session, conv, handover)
        to = audience(conv)
        name = self.presenter.team_name(team, to)
        if crisis and pool is not None:
            return [self.presenter.reply("utter_crisis_pool", to, team=name, pool=pool.name)]
        if crisis and there:
            return [self.presenter.reply("utter_crisis_on_top", to, team=name)]
        if crisis or handover.out_of_hours:  # nobody there now: when they are back, a callback?
            closed = "utter_crisis_nobody" if crisis else "utter_handover_out_of_hours"
            back = self.presenter.back(team, now, to)
            return [
                self.presenter.reply(closed, to, team=name, back=back),
                self.presenter.reply("utter_handover_ask_consent", to),
            ]
        response = (
            "utter_handover_queued_peer" if kind == "peer" else "utter_handover_queued_counsellor"
        )
        return [
            self.presenter.reply(
                response, to, team=name, **await self.line(session, handover, to, now)
            )
        ]

    async def _summarise(
        self, session: AsyncSession, conv: Conversation, decision: dict[str, Any], now: datetime
    ) -> None:
        messages = await store.transcript(session, conv.id)
        built = summary.build(decision, messages, asked_at=now)
        previous = conv.summary or {}
        if previous.get("edited"):
            built["edited"] = previous["edited"]  # a person's own words are never overwritten
        built["crisis"] = summary.merge(previous.get("crisis") or [], built["crisis"])
        conv.summary = built

    async def _crisis_alert(
        self, session: AsyncSession, conv: Conversation, handover: Handover
    ) -> None:
        await raise_alert(
            session, kind="crisis", audience="team", team_id=handover.team_id, ref=conv.id
        )

    # --- attending moves ---------------------------------------------------------------------

    async def mark_crisis(
        self,
        session: AsyncSession,
        conv: Conversation,
        handover: Handover,
        kind: str | None,
        now: datetime,
    ) -> Team | None:
        """A crisis while waiting or with a person: urgent, on top, the team alerted.

        Waiting out of hours, the chat moves to a 24/7 crisis pool with someone there, when
        there is one; returns that pool (None when the chat stays with its team).
        """
        handover.urgent = True
        handover.crisis_kind = kind or CRISIS
        handover.crisis_at = handover.crisis_at or now
        conv.summary = summary.add_crisis(conv.summary, kind or CRISIS)
        pool = None
        if conv.status == Status.WAITING_FOR_HUMAN:
            team = await session.get(Team, handover.team_id) if handover.team_id else None
            if not await team_is_there(session, team, handover.kind, now):
                pool = await self.crisis_pool(session, now, exclude=handover.team_id)
                if pool is not None:
                    store.add_event(
                        session,
                        conv,
                        "handover.routed",
                        "system",
                        team=pool.id,
                        previous=handover.team_id,
                        why="crisis out of hours",
                    )
                    handover.team_id, handover.out_of_hours = pool.id, False
        await self._crisis_alert(session, conv, handover)
        await record_event(
            session,
            EventName.HANDOVER_CRISIS,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=self.ref(conv),
            kind=kind or CRISIS,
            data={"status": conv.status},
        )
        return pool

    async def cancel(self, session: AsyncSession, conv: Conversation) -> None:
        """The resident cancelled the wait ("toch niet"): the request leaves the queue."""
        await session.execute(
            update(Handover)
            .where(Handover.conversation_id == conv.id, Handover.ended_at.is_(None))
            .values(ended_at=utcnow(), outcome="cancelled")
            .execution_options(synchronize_session=False)
        )
        await forget_callback_phone(session, conv)

    async def consent(self, session: AsyncSession, conv: Conversation, allowed: bool) -> Reply:
        """The resident says whether the team may write to them later (a callback)."""
        now = utcnow()
        handover = await self.open_handover(session, conv)
        back = self.presenter.text("utter_back_soon", audience(conv))
        if handover is not None:
            handover.contact_consent = allowed
            team = await session.get(Team, handover.team_id) if handover.team_id else None
            open_now = team is not None and is_open(team.opening_hours or {}, now)
            if allowed:
                opening = (
                    None
                    if open_now or team is None
                    else next_opening(team.opening_hours or {}, now)
                )
                handover.callback_due_at = opening or now
                if not open_now:
                    back = self.presenter.back(team, now, audience(conv))
                await record_event(
                    session,
                    EventName.CALLBACK_PROMISED,
                    channel=conv.channel,
                    municipality_code=conv.municipality_code,
                    conversation_ref=self.ref(conv),
                    out_of_hours=not open_now,
                )
            else:
                handover.callback_due_at = None
        if allowed:
            return self.presenter.reply("utter_handover_consent_yes", audience(conv), back=back)
        return self.presenter.reply("utter_handover_consent_no", audience(conv))

    # --- the console's actions ---------------------------------------------------------------

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
        if int(getattr(result, "rowcount", 0)) != 1:
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
            conversation_ref=self.ref(conv),
            out_of_hours=handover.out_of_hours,
            value_seconds=(now - handover.requested_at).total_seconds(),
        )
        identity = await self.identity(session, conv)
        team = await session.get(Team, handover.team_id) if handover.team_id else None
        if identity is not None:
            author = self.presenter.author(staff, audience(conv))
            reply = self.presenter.reply(
                "utter_handover_joined",
                audience(conv),
                name=author["name"],
                role=author["role"],
                team=team.name if team else "",
            )
            store.enqueue_reply(
                session,
                conv,
                identity,
                Reply(reply.text, reply.buttons, author),
                sender_type="human",
                data={"staff_id": staff.id, "author": author},
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
        handover = await self.open_handover(session, conv)
        if handover is None:
            raise HandoverError("geen open overdracht")
        identity = await self.identity(session, conv)
        kind_of, _, value = target.partition(":")
        if kind_of == "staff":
            colleague = await session.get(StaffUser, int(value)) if value.isdigit() else None
            if colleague is None or colleague.team_id != staff.team_id or colleague.id == staff.id:
                raise HandoverError("kies een collega uit je eigen team")
            handover.assigned_to, handover.assigned_at = colleague.id, utcnow()
            handover.seen_message_id = None
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
            rules = await all_rules(session)
            normal = [t for t in teams if not rules.get(t.id, Rules()).crisis_pool]
            team = pick_team(normal or teams, conv.municipality_code, value)
            session.add(
                Handover(
                    conversation_id=conv.id,
                    team_id=team.id if team else None,
                    kind=value,
                    reason=handover.reason,
                    urgent=handover.urgent,
                    out_of_hours=False,
                    requested_at=handover.requested_at,  # the Wgs clock keeps running
                    crisis_kind=handover.crisis_kind,
                    crisis_at=handover.crisis_at,
                    contact_consent=handover.contact_consent,
                    callback_due_at=handover.callback_due_at,
                    acked_at=utcnow(),
                    left_message=handover.left_message,
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
                self.presenter.reply("utter_handover_transferred", audience(conv)),
                sender_type="system",
            )

    async def say(
        self, session: AsyncSession, conv: Conversation, staff: StaffUser, text: str
    ) -> None:
        """A message from the person to the resident, through the resident's channel, with the
        person's first name and role (the web chat shows them as a label; Telegram and WhatsApp
        get them at the start of the text)."""
        identity = await self.identity(session, conv)
        if identity is None:
            raise HandoverError("deze inwoner is niet meer bereikbaar")
        author = self.presenter.author(staff, audience(conv))
        shown = text
        if conv.channel != "web":
            shown = self.presenter.text(
                "utter_person_message",
                audience(conv),
                name=author["name"],
                role=author["role"],
                text=text,
            )
        message, _item = store.enqueue_reply(
            session,
            conv,
            identity,
            Reply(shown, (), author),
            sender_type="human",
            data={"staff_id": staff.id, "author": author},
        )
        message.text = text  # the transcript keeps the person's own words

    async def finish(
        self,
        session: AsyncSession,
        conv: Conversation,
        staff: StaffUser | None,
        *,
        to: Status,
        outcome: str,
        tell: bool = True,
    ) -> None:
        """Hand back to the bot (to=BOT) or close with an outcome (to=CLOSED); the summary stays."""
        handover = await self.open_handover(session, conv)
        if handover is not None:
            handover.ended_at, handover.outcome = utcnow(), outcome
        await forget_callback_phone(session, conv)
        actor = f"staff:{staff.id}" if staff is not None else "resident"
        store.move(session, conv, to, actor, outcome)
        conv.handover = None
        await record_event(
            session,
            EventName.HANDOVER_CLOSED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            outcome=outcome,
            kind=handover.kind if handover else None,
            reason=handover.reason if handover else None,
            conversation_ref=self.ref(conv),
        )
        identity = await self.identity(session, conv)
        if identity is not None and tell:
            name = "utter_disclosure_back" if to == Status.BOT else "utter_handover_closed"
            store.enqueue_reply(
                session,
                conv,
                identity,
                self.presenter.reply(name, audience(conv)),
                sender_type="system",
            )
            if to == Status.CLOSED and staff is not None:
                await csat.ask(session, self.presenter, conv, identity, handover, staff.id)

    async def assignee(self, session: AsyncSession, handover: Handover | None) -> StaffUser | None:
        """The person who has the chat now."""
        if handover is None or handover.assigned_to is None:
            return None
        return await session.get(StaffUser, handover.assigned_to)


async def forget_callback_phone(session: AsyncSession, conv: Conversation) -> None:
    """A callback number is kept only while the request is open (bot/conversations/
    callback_phone.py): handed back, closed or cancelled, it is deleted."""
    await session.execute(delete(CallbackPhone).where(CallbackPhone.conversation_id == conv.id))
