"""Nobody left waiting: overdue requests and people who went silent, checked every little while.

- A waiting chat that nobody takes within the team's `max_wait_minutes` (counted while the team
  is open): the resident hears it and is offered a callback or Geldfit; the team lead gets an
  `overdue` alert; the queue shows it as overdue.
- A chat with a person where the resident's message has waited `silence_minutes` for an
  answer: the chat goes back to the team's queue (a `reoffered` alert) and the resident hears
  that a colleague takes over.
- A chat with a person whose account was disabled (`geldhulp staff user disable`): the same, at
  once, whether or not the resident is waiting for an answer.

Each change is a conditional update, so two gateways running the loop never do it twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analytics import EventName, record_event
from bot.conversations import store
from bot.conversations.assignment import is_open, next_opening
from bot.conversations.presenter import audience
from bot.conversations.states import Status
from bot.conversations.tables import Conversation, Handover, Message
from bot.staff import StaffUser, Team, is_disabled, raise_alert
from bot.staff.team_rules import Rules, all_rules
from bot.storage.base import utcnow

if TYPE_CHECKING:
    from bot.conversations.handover import HandoverService

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one round did."""

    overdue: int = 0
    reoffered: int = 0

    def __bool__(self) -> bool:
        return bool(self.overdue or self.reoffered)


def waiting_since(handover: Handover, team: Team) -> datetime:
    """From when the waiting counts: the request, or the next opening after it."""
    hours = team.opening_hours or {}
    if is_open(hours, handover.requested_at):
        return handover.requested_at
    return next_opening(hours, handover.requested_at) or handover.requested_at


@dataclass
class Timeouts:
    """The timeouts loop's work (the app runs `run_once` every `attend_sweep_seconds`)."""

    service: HandoverService

    async def run_once(self, factory: async_sessionmaker[AsyncSession]) -> SweepReport:
        """One round in its own transaction."""
        async with factory() as session:
            report = await self.sweep(session, utcnow())
            await session.commit()
        return report

    async def run(
        self,
        factory: async_sessionmaker[AsyncSession],
        stop: asyncio.Event,
        *,
        interval: float,
        did_work: Callable[[], None],
    ) -> None:
        """A round every ``interval`` seconds until ``stop`` is set, the first one an interval
        after the start (a restarting instance answers waiting residents first; an app that
        lives shorter than that, a test or a rolled-back deploy, sweeps nothing); ``did_work``
        after a round that enqueued replies (the app wakes the outbox)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            if stop.is_set():
                return
            try:
                if await self.run_once(factory):
                    did_work()
            except Exception:  # noqa: BLE001 - the next round tries again
                logger.exception("attending timeouts failed")

    async def sweep(self, session: AsyncSession, now: datetime) -> SweepReport:
        """Mark overdue requests and offer silent chats to the team again (caller commits)."""
        report = SweepReport()
        rules = await all_rules(session)
        rows = (
            await session.execute(
                select(Handover, Conversation)
                .join(Conversation, Conversation.id == Handover.conversation_id)
                .where(Handover.ended_at.is_(None), Handover.team_id.is_not(None))
            )
        ).all()
        for handover, conv in rows:
            team = await session.get(Team, handover.team_id)
            if team is None:
                continue
            rule = rules.get(team.id, Rules())
            if conv.status == Status.WAITING_FOR_HUMAN and handover.assigned_to is None:
                if await self._overdue(session, conv, handover, team, rule, now):
                    report.overdue += 1
            elif conv.status == Status.WITH_HUMAN and handover.assigned_to is not None:
                person = await self.service.assignee(session, handover)
                if person is not None and is_disabled(person):
                    why = "person disabled"
                elif await self._silent(session, conv, handover, rule, now):
                    why = "person silent"
                else:
                    continue
                if await self._reoffer(session, conv, handover, team, person, now, why):
                    report.reoffered += 1
        return report

    async def _overdue(
        self,
        session: AsyncSession,
        conv: Conversation,
        handover: Handover,
        team: Team,
        rule: Rules,
        now: datetime,
    ) -> bool:
        if handover.overdue_at is not None or not is_open(team.opening_hours or {}, now):
            return False
        if now - waiting_since(handover, team) < timedelta(minutes=rule.max_wait_minutes):
            return False
        won = await session.execute(
            update(Handover)
            .where(Handover.id == handover.id, Handover.overdue_at.is_(None))
            .values(overdue_at=now)
            .execution_options(synchronize_session=False)
        )
        if int(getattr(won, "rowcount", 0)) != 1:
            return False
        handover.overdue_at = now
        await raise_alert(
            session, kind="overdue", audience="team_lead", team_id=team.id, ref=conv.id
        )
        await record_event(
            session,
            EventName.HANDOVER_OVERDUE,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=self.service.ref(conv),
            kind=handover.kind,
            value_seconds=(now - handover.requested_at).total_seconds(),
        )
        identity = await self.service.identity(session, conv)
        if identity is not None and not handover.contact_consent:
            store.enqueue_reply(
                session,
                conv,
                identity,
                self.service.presenter.reply("utter_wait_overdue", audience(conv)),
                sender_type="system",
            )
            handover.acked_at = now
        return True

    async def _silent(
        self,
        session: AsyncSession,
        conv: Conversation,
        handover: Handover,
        rule: Rules,
        now: datetime,
    ) -> bool:
        """The resident's last message has waited `silence_minutes` for the person's answer."""
        last_resident = await session.scalar(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == conv.id, Message.sender_type == "contact"
            )
        )
        last_person = await session.scalar(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == conv.id, Message.sender_type == "human"
            )
        )
        if last_resident is None or (last_person is not None and last_person >= last_resident):
            return False
        since = max(last_resident, handover.assigned_at or last_resident)
        return now - since >= timedelta(minutes=rule.silence_minutes)

    async def _reoffer(
        self,
        session: AsyncSession,
        conv: Conversation,
        handover: Handover,
        team: Team,
        person: StaffUser | None,
        now: datetime,
        why: str,
    ) -> bool:
        """Back to the team's queue, once even when two gateways sweep; the resident hears it."""
        person_id = handover.assigned_to
        won = await session.execute(
            update(Handover)
            .where(Handover.id == handover.id, Handover.assigned_to == person_id)
            .values(assigned_to=None, assigned_at=None, reoffered_at=now, seen_message_id=None)
            .execution_options(synchronize_session=False)
        )
        if int(getattr(won, "rowcount", 0)) != 1:
            return False
        handover.assigned_to, handover.assigned_at, handover.reoffered_at = None, None, now
        handover.seen_message_id = None
        store.move(session, conv, Status.WAITING_FOR_HUMAN, "system", why)
        await raise_alert(session, kind="reoffered", audience="team", team_id=team.id, ref=conv.id)
        await record_event(
            session,
            EventName.HANDOVER_REOFFERED,
            channel=conv.channel,
            municipality_code=conv.municipality_code,
            conversation_ref=self.service.ref(conv),
            kind=handover.kind,
        )
        identity = await self.service.identity(session, conv)
        if identity is not None:
            name = (
                self.service.presenter.author(person, audience(conv))["name"]
                if person
                else team.name
            )
            store.enqueue_reply(
                session,
                conv,
                identity,
                self.service.presenter.reply(
                    "utter_handover_reoffered", audience(conv), name=name, team=team.name
                ),
                sender_type="system",
            )
        return True
