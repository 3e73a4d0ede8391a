"""Reviewing unanswered questions: which labels an analyst may give, and the writes and reads.

Every function takes the municipality codes the person may act on (``None`` only for code
that runs for all municipalities, such as the export): a question outside them is never read,
labelled or exported; it is treated as if it did not exist. ``UNPLACED`` (None) in the codes
stands for questions whose municipality was never known: admins review those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.tables import UnansweredQuestion
from bot.errors import GatewayError
from bot.storage.base import utcnow
from bot.topics import TOPIC_INTENTS

OUT_OF_SCOPE = "out_of_scope"
CRISIS = "crisis"
FALLBACK_INTENTS = frozenset({"nlu_fallback", OUT_OF_SCOPE})
UNPLACED = None  # in a list of codes: questions without a municipality
Codes = Sequence[str | None]
# What an analyst can pick in one click: every topic, or "not ours". A crisis is its own button
# (it also alerts the team lead), so "crisis" is no topic choice here.
LABEL_CHOICES: tuple[str, ...] = (*(t for t in TOPIC_INTENTS if t != CRISIS), OUT_OF_SCOPE)
EXPORT_INTENTS: frozenset[str] = frozenset({*LABEL_CHOICES, CRISIS})


class ReviewError(GatewayError):
    """A review action that cannot be done (unknown label, question not in the user's scope)."""


@dataclass(frozen=True)
class ReviewResult:
    """What a review action changed: the question, and whether it raised a missed-crisis alert."""

    question: UnansweredQuestion
    alerted: bool = False


def _in_scope(stmt: Select[UnansweredQuestion], codes: Codes | None) -> Select[UnansweredQuestion]:
    if codes is None:
        return stmt.where(true())
    column = UnansweredQuestion.municipality_code
    named = [c for c in codes if c is not None]
    if UNPLACED in codes:
        return stmt.where(or_(column.in_(named), column.is_(None)))
    return stmt.where(column.in_(named))


async def question_in_scope(
    session: AsyncSession, question_id: int, codes: Codes | None
) -> UnansweredQuestion | None:
    """The question when it belongs to one of ``codes``; None otherwise (also when it is absent)."""
    stmt = _in_scope(select(UnansweredQuestion).where(UnansweredQuestion.id == question_id), codes)
    return await session.scalar(stmt)


async def review_queue(
    session: AsyncSession,
    codes: Codes,
    *,
    since: datetime,
    reviewed: bool = False,
    limit: int = 200,
) -> list[UnansweredQuestion]:
    """Questions of ``codes`` to review (or, with ``reviewed``, the ones reviewed), newest first.

    Questions already marked handled without a label are left out of the open queue.
    """
    stmt = _in_scope(select(UnansweredQuestion), codes).where(
        UnansweredQuestion.occurred_at >= since
    )
    if reviewed:
        stmt = stmt.where(UnansweredQuestion.reviewed_at.is_not(None)).order_by(
            UnansweredQuestion.reviewed_at.desc(), UnansweredQuestion.id.desc()
        )
    else:
        stmt = stmt.where(
            UnansweredQuestion.reviewed_at.is_(None), UnansweredQuestion.handled_at.is_(None)
        ).order_by(UnansweredQuestion.occurred_at.desc(), UnansweredQuestion.id.desc())
    return list((await session.scalars(stmt.limit(limit))).all())


async def questions_in_scope(
    session: AsyncSession, codes: Codes, *, since: datetime
) -> list[UnansweredQuestion]:
    """Every question of ``codes`` since ``since`` (reviewed or not), newest first."""
    stmt = _in_scope(select(UnansweredQuestion), codes).where(
        UnansweredQuestion.occurred_at >= since
    )
    stmt = stmt.order_by(UnansweredQuestion.occurred_at.desc(), UnansweredQuestion.id.desc())
    return list((await session.scalars(stmt)).all())


async def label_question(
    session: AsyncSession,
    *,
    question_id: int,
    label: str,
    codes: Codes,
    actor_id: int,
) -> UnansweredQuestion:
    """Give a question its right topic (or "out of scope"); the caller commits.

    A relabel before export replaces the label; after export the new label is exported again
    (``exported_at`` is cleared), so the file a person reads is always the latest decision.
    """
    if label not in LABEL_CHOICES:
        raise ReviewError(f"unknown label {label!r}")
    question = await question_in_scope(session, question_id, codes)
    if question is None:
        raise ReviewError("question not found")
    if question.review_label != label or question.missed_crisis:
        question.exported_at = None
    question.review_label = label
    question.missed_crisis = False
    _stamp(question, actor_id)
    return question


async def mark_missed_crisis(
    session: AsyncSession,
    *,
    question_id: int,
    codes: Codes,
    actor_id: int,
) -> ReviewResult:
    """Mark a question as a crisis the assistant missed and alert the municipality's team lead.

    Marking the same question twice raises no second alert. A question without a
    municipality alerts the admins instead (no team lead serves it). The caller commits (the
    alert and the label are one transaction).
    """
    from bot.staff import raise_alert

    question = await question_in_scope(session, question_id, codes)
    if question is None:
        raise ReviewError("question not found")
    already = question.missed_crisis
    if not already:
        question.exported_at = None
    question.review_label = CRISIS
    question.missed_crisis = True
    _stamp(question, actor_id)
    if already:
        return ReviewResult(question, alerted=False)
    await raise_alert(
        session,
        kind="missed_crisis",
        audience="team_lead" if question.municipality_code else "admin",
        municipality_code=question.municipality_code,
        ref=f"question:{question.id}",
    )
    return ReviewResult(question, alerted=True)


def _stamp(question: UnansweredQuestion, actor_id: int) -> None:
    now = utcnow()
    question.reviewed_at, question.reviewed_by = now, actor_id
    if question.handled_at is None:
        question.handled_at, question.handled_by = now, str(actor_id)


async def reviewed_for_export(
    session: AsyncSession, codes: Codes | None, *, include_exported: bool = False
) -> list[UnansweredQuestion]:
    """Reviewed questions with an exportable label (not demo data), oldest first."""
    stmt = _in_scope(select(UnansweredQuestion), codes).where(
        UnansweredQuestion.reviewed_at.is_not(None),
        UnansweredQuestion.review_label.in_(sorted(EXPORT_INTENTS)),
        UnansweredQuestion.demo.is_(False),
    )
    if not include_exported:
        stmt = stmt.where(UnansweredQuestion.exported_at.is_(None))
    stmt = stmt.order_by(UnansweredQuestion.reviewed_at, UnansweredQuestion.id)
    return list((await session.scalars(stmt)).all())
