"""Plan: one plan per household, kept by the resident (issue 20; docs/plan.md).

Tables, the use cases (offer, accept, add, tick, revoke, what is due) and the link's token.
Used by the conversations (offer and update), the console (add steps with consent) and the
public pages (the resident's own page). Uses only Storage and the Foundation.
"""

from bot.plan.service import (
    MAX_OPEN,
    PLAN_CREATED,
    REMIND_DAYS,
    STEP_DONE,
    STEP_OVERDUE,
    Happened,
    PlanFull,
    PlanService,
    Recorder,
    StepDraft,
    is_overdue,
    propose,
    shown_date,
)
from bot.plan.tables import Plan, PlanStep

__all__ = [
    "MAX_OPEN",
    "PLAN_CREATED",
    "REMIND_DAYS",
    "STEP_DONE",
    "STEP_OVERDUE",
    "Happened",
    "Plan",
    "PlanFull",
    "PlanService",
    "PlanStep",
    "Recorder",
    "StepDraft",
    "is_overdue",
    "propose",
    "shown_date",
]
