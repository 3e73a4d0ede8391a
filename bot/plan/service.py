"""The plan's use cases: offer, accept, add a step, tick, list, revoke, and what is due.

A plan has at most three open steps (a stressed person does not keep more in mind); one step is
one action. Steps are proposed from what happened in the conversation (`propose`): a letter's
deadline, "talk to a counsellor" while a person is on the way, the local help the assistant
offered with its number (never a number of our own making), the topic's first step. Counting
(plans made, steps done, steps overdue) goes through the `Recorder` the app wires to analytics:
names and a municipality only, never what a step says.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.plan.tables import Plan, PlanStep
from bot.plan.tokens import new_token, token_hash, well_formed
from bot.storage.base import utcnow
from bot.topics import MONEY_TOPICS

MAX_OPEN = 3
REMIND_DAYS = 2  # a reminder this many days before a step's date (and on the day itself)
# the twelve money topics whose answer has a first step of its own (domain/plan.yml)
TOPIC_STEPS = MONEY_TOPICS
# analytics event names (bot.analytics.EventName has the same values)
PLAN_CREATED = "plan.created"
STEP_DONE = "plan.step_done"
STEP_OVERDUE = "plan.step_overdue"


class PlanFull(Exception):
    """The plan already has three open steps."""


class Recorder(Protocol):
    """Where the plan counts what happens (the app wires it to analytics)."""

    async def __call__(
        self,
        session: AsyncSession,
        name: str,
        *,
        municipality_code: str | None,
        channel: str,
        ref: str | None = None,
    ) -> None:
        """Record one event (no content; ``ref`` is the conversation's analytics pseudonym)."""


async def record_nothing(
    session: AsyncSession,
    name: str,
    *,
    municipality_code: str | None,
    channel: str,
    ref: str | None = None,
) -> None:
    """A `Recorder` that keeps nothing (tools and tests that do not count)."""


@dataclass(frozen=True)
class StepDraft:
    """A step before it is in a plan."""

    kind: str
    response: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    due_on: date | None = None

    def same_as(self, step: PlanStep) -> bool:
        """True when ``step`` is this draft already (not added twice)."""
        return (
            step.kind == self.kind
            and step.response == self.response
            and (step.values or {}) == self.values
            and step.text == self.text
        )


@dataclass(frozen=True)
class Happened:
    """What the conversation did so far that a plan can take steps from."""

    topic: str | None = None
    help: tuple[tuple[str, str], ...] = ()  # (name, phone) as the assistant showed them
    deadline: date | None = None
    handover_waiting: bool = False


def propose(happened: Happened) -> list[StepDraft]:
    """The steps this conversation suggests, the most pressing first."""
    drafts: list[StepDraft] = []
    if happened.deadline is not None:
        drafts.append(
            StepDraft(
                "deadline",
                "utter_plan_step_deadline",
                {"date": happened.deadline.strftime("%d-%m-%Y")},
                due_on=happened.deadline,
            )
        )
    if happened.handover_waiting:
        drafts.append(StepDraft("counsellor", "utter_plan_step_counsellor"))
    for name, phone in happened.help[:1]:
        if name and phone:
            drafts.append(StepDraft("help", "utter_plan_step_call", {"name": name, "phone": phone}))
    if happened.topic in TOPIC_STEPS:
        drafts.append(StepDraft("topic", f"utter_plan_step_{happened.topic}"))
    return drafts


def step_order(step: PlanStep) -> tuple[int, date, int]:
    """Open steps with a date first (soonest first), then in the order they were added."""
    return (0 if step.due_on else 1, step.due_on or date.max, step.id or 0)


@dataclass(frozen=True)
class PlanService:
    """The plan's use cases, in the caller's transaction."""

    record: Recorder = record_nothing

    # --- finding a plan -----------------------------------------------------------------------

    async def plan_of(self, session: AsyncSession, identity_id: int) -> Plan | None:
        """The resident's plan (also when its link was revoked)."""
        return await session.scalar(
            select(Plan).where(Plan.identity_id == identity_id).order_by(Plan.created_at.desc())
        )

    async def by_token(self, session: AsyncSession, token: str) -> Plan | None:
        """The plan of a link, or None for a guessed, revoked or forgotten one (all alike)."""
        if not well_formed(token):
            return None
        plan = await session.scalar(select(Plan).where(Plan.token_hash == token_hash(token)))
        if plan is None or plan.revoked_at is not None:
            return None
        return plan

    # --- making and changing it ---------------------------------------------------------------

    async def create(
        self,
        session: AsyncSession,
        *,
        identity_id: int,
        channel: str,
        municipality_code: str | None,
        language: str | None,
        drafts: Sequence[StepDraft],
        ref: str | None = None,
    ) -> tuple[Plan, str]:
        """A new plan with the first (at most three) steps; returns it and its link's token."""
        token = new_token()
        plan = Plan(
            id=str(uuid.uuid4()),
            identity_id=identity_id,
            channel=channel,
            municipality_code=municipality_code,
            language=language,
            token_hash=token_hash(token),
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        session.add(plan)
        await session.flush()
        await self.add_all(session, plan, drafts)
        await self.record(
            session, PLAN_CREATED, municipality_code=municipality_code, channel=channel, ref=ref
        )
        return plan, token

    async def new_link(self, session: AsyncSession, plan: Plan) -> str:
        """A fresh link for the plan (the old one answers 404 from now on)."""
        token = new_token()
        plan.token_hash, plan.revoked_at, plan.updated_at = token_hash(token), None, utcnow()
        return token

    async def revoke(self, session: AsyncSession, plan: Plan) -> None:
        """The resident takes the link back: it answers 404, like a guessed one."""
        plan.token_hash, plan.revoked_at, plan.updated_at = None, utcnow(), utcnow()

    async def add_all(
        self, session: AsyncSession, plan: Plan, drafts: Sequence[StepDraft], by: str = "assistant"
    ) -> list[PlanStep]:
        """Add the drafts that are new, while there is room (at most three open steps)."""
        added = []
        for draft in drafts:
            try:
                step = await self.add_step(session, plan, draft, by)
            except PlanFull:
                break
            if step is not None:
                added.append(step)
        return added

    async def add_step(
        self, session: AsyncSession, plan: Plan, draft: StepDraft, by: str = "assistant"
    ) -> PlanStep | None:
        """Add one step (None: the plan has it already). Raises PlanFull at three open steps."""
        steps = await self.steps(session, plan)
        if any(draft.same_as(s) for s in steps if s.done_at is None):
            return None
        if sum(1 for s in steps if s.done_at is None) >= MAX_OPEN:
            raise PlanFull(plan.id)
        step = PlanStep(
            plan_id=plan.id,
            identity_id=plan.identity_id,
            kind=draft.kind,
            response=draft.response,
            values=dict(draft.values),
            text=draft.text,
            due_on=draft.due_on,
            added_by=by,
            created_at=utcnow(),
        )
        session.add(step)
        plan.updated_at = utcnow()
        await session.flush()
        return step

    async def steps(self, session: AsyncSession, plan: Plan) -> list[PlanStep]:
        """Every step of the plan: open ones first (by date), then the done ones."""
        rows = list(
            (await session.scalars(select(PlanStep).where(PlanStep.plan_id == plan.id))).all()
        )
        open_steps = sorted((s for s in rows if s.done_at is None), key=step_order)
        done = sorted((s for s in rows if s.done_at is not None), key=lambda s: s.done_at or 0)
        return open_steps + done

    async def open_steps(self, session: AsyncSession, plan: Plan) -> list[PlanStep]:
        """The open steps, the current one first."""
        return [s for s in await self.steps(session, plan) if s.done_at is None]

    async def tick(
        self,
        session: AsyncSession,
        plan: Plan,
        step_id: int | None = None,
        *,
        ref: str | None = None,
    ) -> PlanStep | None:
        """Mark a step done (None: the current one); None when there was nothing to tick."""
        open_steps = await self.open_steps(session, plan)
        if step_id is not None:
            open_steps = [s for s in open_steps if s.id == step_id]
        if not open_steps:
            return None
        step = open_steps[0]
        step.done_at = plan.updated_at = utcnow()
        await self.record(
            session,
            STEP_DONE,
            municipality_code=plan.municipality_code,
            channel=plan.channel,
            ref=ref,
        )
        return step

    # --- what is due --------------------------------------------------------------------------

    async def due_for_reminder(
        self, session: AsyncSession, today: date, *, limit: int = 100
    ) -> list[tuple[Plan, PlanStep]]:
        """Open steps with a date within `REMIND_DAYS` whose resident agreed to reminders."""
        rows = await session.execute(
            select(Plan, PlanStep)
            .join(PlanStep, PlanStep.plan_id == Plan.id)
            .where(
                Plan.reminders.is_(True),
                PlanStep.done_at.is_(None),
                PlanStep.reminded_at.is_(None),
                PlanStep.due_on.is_not(None),
                PlanStep.due_on >= today,
                PlanStep.due_on <= today + timedelta(days=REMIND_DAYS),
            )
            .order_by(PlanStep.due_on, PlanStep.id)
            .limit(limit)
        )
        return [(plan, step) for plan, step in rows.all()]

    async def count_overdue(self, session: AsyncSession, today: date) -> int:
        """Count every open step whose date passed, once (for the dashboard); returns how many."""
        rows = await session.execute(
            select(Plan, PlanStep)
            .join(PlanStep, PlanStep.plan_id == Plan.id)
            .where(
                PlanStep.done_at.is_(None),
                PlanStep.overdue_at.is_(None),
                PlanStep.due_on.is_not(None),
                PlanStep.due_on < today,
            )
        )
        n = 0
        for plan, step in rows.all():
            step.overdue_at = utcnow()
            await self.record(
                session,
                STEP_OVERDUE,
                municipality_code=plan.municipality_code,
                channel=plan.channel,
            )
            n += 1
        return n

    async def open_count(self, session: AsyncSession, plan: Plan) -> int:
        """How many steps are open."""
        return int(
            await session.scalar(
                select(func.count(PlanStep.id)).where(
                    PlanStep.plan_id == plan.id, PlanStep.done_at.is_(None)
                )
            )
            or 0
        )


def is_overdue(step: PlanStep, today: date) -> bool:
    """True for an open step whose date has passed."""
    return step.done_at is None and step.due_on is not None and step.due_on < today


def shown_date(day: date) -> str:
    """A date as residents read it (digits: 14-07-2026)."""
    return day.strftime("%d-%m-%Y")


def days_left(step: PlanStep, now: datetime) -> int | None:
    """Days until the step's date (negative: overdue)."""
    return (step.due_on - now.date()).days if step.due_on else None
