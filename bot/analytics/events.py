"""Event names (one place) and the functions that record them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.tables import AnalyticsEvent, UnansweredQuestion


class EventName(StrEnum):
    """Every analytics event the product records."""

    CONVERSATION_STARTED = "conversation.started"
    MESSAGE_RECEIVED = "message.received"  # topic = intent, confidence
    MESSAGE_UNANSWERED = "message.unanswered"  # fallback or low confidence
    HANDOVER_REQUESTED = "handover.requested"  # reason, kind, out_of_hours
    HANDOVER_ASSIGNED = "handover.assigned"  # value_seconds = wait until a human took over
    HANDOVER_CANCELLED = "handover.cancelled"
    HANDOVER_CLOSED = "handover.closed"  # outcome
    CONVERSATION_CLOSED = "conversation.closed"
    # attend (issue 9)
    HANDOVER_CRISIS = "handover.crisis"  # a crisis while waiting or with a person; kind
    HANDOVER_OVERDUE = "handover.overdue"  # nobody took it within the team's time
    HANDOVER_REOFFERED = "handover.reoffered"  # the person went silent; offered to the team
    CALLBACK_PROMISED = "handover.callback_promised"  # consent to be written to later
    # the plan (issue 20): counts only, never what a step says
    PLAN_CREATED = "plan.created"
    PLAN_STEP_DONE = "plan.step_done"
    PLAN_STEP_OVERDUE = "plan.step_overdue"


async def record_event(
    session: AsyncSession, name: EventName | str, **fields: Any
) -> AnalyticsEvent:
    """Add an analytics event to ``session`` (the caller commits with its own change).

    Only pseudonymous, non-personal fields are accepted: see :class:`AnalyticsEvent`.
    """
    row = AnalyticsEvent(name=str(name), **fields)
    session.add(row)
    return row


async def record_unanswered(
    session: AsyncSession,
    text: str,
    *,
    municipality_code: str | None,
    channel: str | None,
    intent_guess: str | None,
    confidence: float | None,
    conversation_ref: str | None = None,
    demo: bool = False,
) -> UnansweredQuestion:
    """Store an unanswered message after removing personal data from it.

    ``conversation_ref`` is the conversation's analytics pseudonym (never its id): the dashboard
    counts distinct residents with it (the k < 5 rule) and forget-me finds the resident's rows.
    """
    from bot.privacy.redact import redact  # the only way text enters analytics

    row = UnansweredQuestion(
        text_redacted=redact(text),
        municipality_code=municipality_code,
        channel=channel,
        intent_guess=intent_guess,
        confidence=confidence,
        conversation_ref=conversation_ref,
        demo=demo,
    )
    session.add(row)
    return row


async def add_in_bulk(
    session: AsyncSession,
    events: Iterable[Mapping[str, Any]],
    questions: Iterable[Mapping[str, Any]] = (),
) -> None:
    """Add many events and unanswered questions in one statement each (thousands of rows: the
    demo history). A question's ``text`` is redacted as in :func:`record_unanswered` (the same
    text once) and stored as ``text_redacted`` only."""
    from bot.privacy.redact import redact

    redacted: dict[str, str] = {}
    rows = []
    for question in questions:
        fields = dict(question)
        text = str(fields.pop("text"))
        if text not in redacted:
            redacted[text] = redact(text)
        rows.append({**fields, "text_redacted": redacted[text]})
    if rows:
        await session.execute(insert(UnansweredQuestion), rows)
    values = [{**event, "name": str(event["name"])} for event in events]
    # rows with the same fields next to each other: one batch per kind of row, not per row
    values.sort(key=lambda row: tuple(sorted(row)))
    if values:
        await session.execute(insert(AnalyticsEvent), values)
