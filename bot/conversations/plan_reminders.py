"""Reminders before a step's date, with the resident's consent, and overdue steps counted once.

One leader of the cluster runs the loop (`bot/app.py`). For each open step whose date is within
`bot.plan.REMIND_DAYS` days, the resident's latest conversation gets the reminder once: a normal
message through the outbox, or on WhatsApp outside the 24-hour customer-service window the
approved template `TEMPLATE` (only the date as its parameter: nothing of the plan goes to Meta's
template), sent here, and the reminder itself parked behind it until the resident answers (the
router reopens parked replies). A template that fails is tried again on the next round.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import store
from bot.conversations.assignment import TZ
from bot.conversations.plan_flow import PlanFlow
from bot.conversations.ports import Channel, Template
from bot.conversations.presenter import audience
from bot.conversations.tables import ChannelIdentity, Conversation, Message
from bot.errors import ChannelError
from bot.plan import Plan, PlanStep
from bot.storage.base import utcnow

logger = logging.getLogger(__name__)
TEMPLATE = "geldhulp_plan_herinnering"  # submitted to Meta in Dutch (docs/plan.md)
TEMPLATE_LANGUAGE = "nl"
FIRST_ROUND_SECONDS = 60.0  # the first round this long after an instance starts


@dataclass(frozen=True)
class _TemplateSend:
    step_id: int
    conversation_id: str
    address: str
    channel: Channel
    template: Template


@dataclass(frozen=True)
class PlanReminders:
    """Sends due reminders and counts overdue steps (see the module docstring)."""

    flow: PlanFlow
    channels: Mapping[str, Channel]

    async def run_once(
        self, factory: async_sessionmaker[AsyncSession], today: date | None = None
    ) -> int:
        """One round; returns the reminders sent or queued."""
        today = today or datetime.now(TZ).date()
        plans = self.flow.plans
        templates: list[_TemplateSend] = []
        done = 0
        async with factory() as session:
            await plans.count_overdue(session, today)
            for plan, step in await plans.due_for_reminder(session, today):
                send = await self._remind(session, plan, step)
                if isinstance(send, _TemplateSend):
                    templates.append(send)
                elif send:
                    done += 1
            await session.commit()
        for send in templates:  # the network call with no transaction open
            try:
                channel_id = await send.channel.send_template(send.address, send.template)
            except ChannelError as exc:
                logger.warning("plan reminder template not sent (%s)", exc.__class__.__name__)
                continue
            await self._after_template(factory, send, channel_id)
            done += 1
        return done

    async def _remind(
        self, session: AsyncSession, plan: Plan, step: PlanStep
    ) -> _TemplateSend | bool:
        conv = await session.scalar(
            select(Conversation)
            .where(Conversation.identity_id == plan.identity_id)
            .order_by(Conversation.last_activity_at.desc())
            .limit(1)
        )
        identity = await session.get(ChannelIdentity, plan.identity_id)
        if conv is None or identity is None:
            step.reminded_at = utcnow()  # nobody to remind
            return False
        channel = self.channels.get(identity.channel)
        window = channel.window if channel is not None else None
        closed = window is not None and (
            conv.last_inbound_at is None or utcnow() - conv.last_inbound_at >= window
        )
        if closed and channel is not None:
            day = step.due_on.strftime("%d-%m-%Y") if step.due_on else ""
            body = self.flow.presenter.text(
                "utter_plan_reminder_template", audience(conv), date=day
            )
            template = Template(TEMPLATE, TEMPLATE_LANGUAGE, (day,), body)
            return _TemplateSend(step.id, conv.id, identity.address, channel, template)
        self._enqueue(session, conv, identity, step)
        step.reminded_at = utcnow()
        return True

    def _enqueue(
        self,
        session: AsyncSession,
        conv: Conversation,
        identity: ChannelIdentity,
        step: PlanStep,
        *,
        parked: bool = False,
    ) -> None:
        to = audience(conv)
        presenter = self.flow.presenter
        day = step.due_on.strftime("%d-%m-%Y") if step.due_on else ""
        reply = presenter.reply(
            "utter_plan_reminder", to, step=self.flow.step_line(step, to), date=day
        )
        _message, item = store.enqueue_reply(
            session, conv, identity, reply, sender_type="system", data={"plan": "reminder"}
        )
        if parked:  # behind the template: it goes out when the resident answers
            item.status = "awaiting_reply"

    async def _after_template(
        self, factory: async_sessionmaker[AsyncSession], send: _TemplateSend, channel_id: str
    ) -> None:
        async with factory() as session:
            step = await session.get(PlanStep, send.step_id)
            conv = await session.get(Conversation, send.conversation_id)
            identity = (
                await session.get(ChannelIdentity, conv.identity_id)
                if conv is not None and conv.identity_id is not None
                else None
            )
            if step is None or conv is None or identity is None:
                return  # forgotten meanwhile
            session.add(
                Message(
                    conversation_id=conv.id,
                    direction="out",
                    sender_type="system",
                    text=send.template.body_text,
                    data={"template": send.template.name},
                    delivery="sent",
                    channel_message_id=channel_id or None,
                )
            )
            self._enqueue(session, conv, identity, step, parked=True)
            step.reminded_at = utcnow()
            await session.commit()

    async def run(
        self,
        factory: async_sessionmaker[AsyncSession],
        stop: asyncio.Event,
        *,
        interval: float = 900.0,
        first_after: float = FIRST_ROUND_SECONDS,
    ) -> None:
        """Every ``interval`` seconds until ``stop``: one round (errors retried next round).
        The first round ``first_after`` seconds after the start: reminders are due per day, so
        a minute later costs nobody anything, and a restarting instance answers residents
        first."""
        wait = first_after
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
            if stop.is_set():
                return
            try:
                await self.run_once(factory)
            except Exception as exc:  # noqa: BLE001 - retried on the next round
                logger.warning("plan reminders failed (%s)", exc.__class__.__name__)
            wait = interval
