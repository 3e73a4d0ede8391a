"""Reviewing unanswered questions in the dashboard: one click gives a question its topic.

Only analysts and team leads of the municipality review its questions; admins review only the
questions whose municipality was never known (no municipality's staff can). A question outside
the user's scope is answered with 404, as if it did not exist. Every action, reading included,
is audited with the client's address.

What is shown (issue 11, see docs/dashboard.md): a question that fewer than five residents
asked appears as its keywords only; its whole (redacted) sentence is shown on its own page,
opened on purpose and audited. Figures keep the k < 5 rule.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.analytics.review import (
    LABEL_CHOICES,
    UNPLACED,
    ReviewError,
    label_question,
    mark_missed_crisis,
    question_in_scope,
    questions_in_scope,
    review_queue,
)
from bot.analytics.tables import UnansweredQuestion
from bot.dashboard import names
from bot.dashboard.grouping import group_questions
from bot.dashboard.keywords import keywords, may_show_verbatim
from bot.dashboard.queries import LOCAL
from bot.dashboard.suppression import cell
from bot.dashboard.views import REVIEW_ROLES, render
from bot.staff import User, audit, current_user, require_roles
from bot.storage.base import utcnow

LIST_LIMIT = 50
DONE_LIMIT = 20


def review_codes(user: User, request: web.Request) -> list[str | None]:
    """The user's own municipalities, narrowed by ``?gemeente=A,B`` (never widened); for an
    admin only the questions without a municipality (``UNPLACED``)."""
    if user.is_admin:
        return [UNPLACED]
    asked = [c.strip().upper() for c in request.query.get("gemeente", "").split(",") if c.strip()]
    own: list[str | None] = list(user.municipality_codes)
    return [c for c in own if c in asked] if asked else own


def _scope_label(codes: list[str | None]) -> str:
    if codes == [UNPLACED]:
        return names.t("review.unplaced")
    return ", ".join(c for c in codes if c) or names.t("overview.no_municipality")


def _days(request: web.Request) -> int:
    try:
        return min(max(int(request.query.get("dagen", "90")), 1), 3660)
    except ValueError:
        return 90


def _question_id(request: web.Request) -> int:
    try:
        return int(request.match_info["question_id"])
    except ValueError:
        raise web.HTTPNotFound(text="unknown question") from None


def _back(request: web.Request, **extra: str) -> str:
    params = {k: v for k, v in request.query.items() if k in ("gemeente", "dagen")}
    params.update(extra)
    query = urlencode(params)
    return "/dashboard/beoordelen" + (f"?{query}" if query else "")


def _item(q: UnansweredQuestion, group_refs: list[str | None], group_size: int) -> dict[str, Any]:
    """What the list shows of one question: keywords always, the sentence only for >= 5 residents."""
    verbatim = may_show_verbatim(group_refs)
    return {
        "id": q.id,
        "date": q.occurred_at.astimezone(LOCAL).strftime("%d-%m-%Y"),
        "channel": names.name("channel", q.channel or "onbekend"),
        "guess": q.intent_guess,
        "guess_name": names.topic_name(q.intent_guess),
        "keywords": ", ".join(keywords([q.text_redacted])),
        "text": q.text_redacted if verbatim else None,
        "similar": cell(group_size),
        "label": q.review_label,
        "label_name": names.topic_name(q.review_label) if q.review_label else None,
        "missed_crisis": q.missed_crisis,
        "demo": q.demo,
    }


async def _audit(
    request: web.Request,
    user: User,
    action: str,
    question_id: int | None,
    result: str = "ok",
) -> None:
    """An audit entry in its own transaction (for reads and refused actions)."""
    async with request.config_dict[keys.DB]() as session:
        audit(
            session,
            actor_id=user.id,
            action=action,
            object_ref=f"question:{question_id}" if question_id is not None else None,
            result=result,
            origin=request.remote,
        )
        await session.commit()


@require_roles(*REVIEW_ROLES)
async def review_list(request: web.Request) -> web.Response:
    """GET /dashboard/beoordelen: the open questions of the user's municipality, newest first."""
    user = await current_user(request)
    assert user is not None
    codes = review_codes(user, request)
    since = utcnow() - timedelta(days=_days(request))
    notice = None
    async with request.config_dict[keys.DB]() as session:
        everything = await questions_in_scope(session, codes, since=since)
        open_questions = await review_queue(session, codes, since=since, limit=LIST_LIMIT)
        done = await review_queue(session, codes, since=since, reviewed=True, limit=DONE_LIMIT)
        total_open = sum(1 for q in everything if q.reviewed_at is None and q.handled_at is None)
        done_id = request.query.get("klaar", "")
        if done_id.isdigit():
            saved = await question_in_scope(session, int(done_id), codes)
            if saved is not None and saved.review_label:
                kind = request.query.get("soort", "label")
                key = {"crisis": "saved_crisis", "crisis_again": "saved_crisis_again"}.get(
                    kind, "saved"
                )
                notice = names.t(
                    f"review.{key}",
                    number=saved.id,
                    topic=names.topic_name(saved.review_label),
                )
        audit(
            session,
            actor_id=user.id,
            action="review.view_list",
            object_ref=f"municipalities:{','.join(c or '-' for c in codes)}"[:80],
            origin=request.remote,
        )
        await session.commit()
    by_id = {q.id: q for q in everything}
    group_of: dict[int, tuple[list[str | None], int]] = {}
    for group in group_questions([(q.id, q.text_redacted) for q in everything]):
        refs = [by_id[i].conversation_ref for i in group.ids]
        for i in group.ids:
            group_of[i] = (refs, len(group.ids))
    items = [_item(q, *group_of.get(q.id, ([q.conversation_ref], 1))) for q in open_questions]
    done_items = [_item(q, *group_of.get(q.id, ([q.conversation_ref], 1))) for q in done]
    return render(
        "review.html",
        page="review",
        user=user,
        scope_label=_scope_label(codes),
        codes=codes,
        unplaced=codes == [UNPLACED],
        items=items,
        done=done_items,
        total_open=total_open,
        choices=[(c, names.topic_name(c)) for c in LABEL_CHOICES],
        notice=notice,
        query=request.query_string,
        back=_back(request),
    )


@require_roles(*REVIEW_ROLES)
async def question_page(request: web.Request) -> web.Response:
    """GET /dashboard/beoordelen/vraag/{id}: one question with its whole redacted text (audited)."""
    user = await current_user(request)
    assert user is not None
    question_id = _question_id(request)
    codes = review_codes(user, request)
    async with request.config_dict[keys.DB]() as session:
        question = await question_in_scope(session, question_id, codes)
        audit(
            session,
            actor_id=user.id,
            action="review.read_question",
            object_ref=f"question:{question_id}",
            result="ok" if question is not None else "not_found",
            origin=request.remote,
        )
        await session.commit()
    if question is None:
        raise web.HTTPNotFound(text="unknown question")
    item = _item(question, [question.conversation_ref], 1)
    item["text"] = question.text_redacted
    return render(
        "question.html",
        page="review",
        user=user,
        scope_label=_scope_label(codes),
        item=item,
        choices=[(c, names.topic_name(c)) for c in LABEL_CHOICES],
        query=request.query_string,
        back=_back(request),
    )


@require_roles(*REVIEW_ROLES)
async def set_topic(request: web.Request) -> web.Response:
    """POST /dashboard/beoordelen/vraag/{id}/onderwerp (label=<intent>): the right topic."""
    user = await current_user(request)
    assert user is not None
    question_id = _question_id(request)
    form = await request.post()
    label = str(form.get("label", ""))
    codes = review_codes(user, request)
    async with request.config_dict[keys.DB]() as session:
        try:
            await label_question(
                session, question_id=question_id, label=label, codes=codes, actor_id=user.id
            )
        except ReviewError as exc:
            await session.rollback()
            unknown = label not in LABEL_CHOICES
            await _audit(
                request,
                user,
                "review.label",
                question_id,
                "invalid_label" if unknown else "not_found",
            )
            if unknown:
                raise web.HTTPBadRequest(text="unknown topic") from exc
            raise web.HTTPNotFound(text="unknown question") from exc
        audit(
            session,
            actor_id=user.id,
            action="review.label",
            object_ref=f"question:{question_id}",
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(_back(request, klaar=str(question_id), soort="label") + "#melding")


@require_roles(*REVIEW_ROLES)
async def set_missed_crisis(request: web.Request) -> web.Response:
    """POST /dashboard/beoordelen/vraag/{id}/crisis: a crisis the assistant missed.

    Raises a ``missed_crisis`` alert for the team lead (once per question) in the same
    transaction as the label and the audit entry.
    """
    user = await current_user(request)
    assert user is not None
    question_id = _question_id(request)
    codes = review_codes(user, request)
    async with request.config_dict[keys.DB]() as session:
        try:
            result = await mark_missed_crisis(
                session, question_id=question_id, codes=codes, actor_id=user.id
            )
        except ReviewError as exc:
            await session.rollback()
            await _audit(request, user, "review.missed_crisis", question_id, "not_found")
            raise web.HTTPNotFound(text="unknown question") from exc
        audit(
            session,
            actor_id=user.id,
            action="review.missed_crisis",
            object_ref=f"question:{question_id}",
            result="ok" if result.alerted else "already_marked",
            origin=request.remote,
        )
        await session.commit()
    kind = "crisis" if result.alerted else "crisis_again"
    raise web.HTTPSeeOther(_back(request, klaar=str(question_id), soort=kind) + "#melding")


def setup_routes(app: web.Application) -> None:
    """The review routes (each needs an analyst or team lead; POSTs need the CSRF token)."""
    app.router.add_get("/beoordelen", review_list)
    app.router.add_get("/beoordelen/vraag/{question_id}", question_page)
    app.router.add_post("/beoordelen/vraag/{question_id}/onderwerp", set_topic)
    app.router.add_post("/beoordelen/vraag/{question_id}/crisis", set_missed_crisis)
