"""The resident's plan in the console: seen only when the resident shared it, and a counsellor
adds a step (at most three open steps). Every look and every step is in the audit log.

Routes (registered by `bot.console.views.setup_routes` with one line): GET /console/c/{id}/plan
and POST /console/c/{id}/plan/steps. Who may open the conversation may open its plan (the same
`load` check: team, municipality, an admin's reason). `plan_slot` fills the side panel of the
open conversation (its open steps, the add-step form, a link to the whole plan), with the same
consent rule: a plan that is not shared shows nothing at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keys
from bot.console import present
from bot.console.rendering import ENV
from bot.conversations.tables import Conversation
from bot.plan import MAX_OPEN, PlanFull, PlanStep, StepDraft, is_overdue, shown_date
from bot.plan.keys import PLANS
from bot.plan.words import step_text
from bot.staff import CHAT_ROLES, User, audit, current_user, require_roles
from bot.texts import TextCatalog

MAX_STEP_CHARS = 300


def _row(texts: TextCatalog, step: PlanStep, today: date) -> dict[str, Any]:
    return {
        "text": step_text(texts, step, None),
        "due": shown_date(step.due_on) if step.due_on else None,
        "overdue": is_overdue(step, today),
        "done": step.done_at is not None,
        "by_staff": step.added_by.startswith("staff"),
    }


async def plan_slot(
    request: web.Request, session: AsyncSession, user: User, conv: Conversation
) -> Markup | None:
    """The side panel's plan (open steps, add a step, the whole plan), or None when the
    resident has no plan or did not share it. The caller checked that ``user`` may open
    ``conv`` (`bot.console.views.load`); the look is audited like the plan page's."""
    if conv.identity_id is None:
        return None
    plans = request.config_dict[PLANS]
    plan = await plans.plan_of(session, conv.identity_id)
    if plan is None or not plan.share_with_team:
        return None
    texts = request.config_dict[keys.TEXTS]
    today = date.today()
    steps = [_row(texts, s, today) for s in await plans.open_steps(session, plan)]
    audit(
        session,
        actor_id=user.id,
        action="plan_viewed",
        conversation_id=conv.id,
        origin=request.remote,
    )
    html = ENV.get_template("_plan_slot.html").render(
        conv=conv, user=user, steps=steps, room=len(steps) < MAX_OPEN
    )
    return Markup(html)  # noqa: S704 (rendered by the autoescaping console environment)


@require_roles(*CHAT_ROLES)
async def plan_panel(request: web.Request) -> web.Response:
    """GET /console/c/{id}/plan: the plan, when the resident shared it with the team."""
    from bot.console.views import load, page

    user = await current_user(request)
    assert user is not None
    texts = request.config_dict[keys.TEXTS]
    plans = request.config_dict[PLANS]
    async with request.config_dict[keys.DB]() as session:
        conv, _handover = await load(request, user, session)
        plan = (
            await plans.plan_of(session, conv.identity_id) if conv.identity_id is not None else None
        )
        steps: list[dict[str, Any]] = []
        if plan is not None and plan.share_with_team:
            today = date.today()
            steps = [_row(texts, step, today) for step in await plans.steps(session, plan)]
            audit(
                session,
                actor_id=user.id,
                action="plan_viewed",
                conversation_id=conv.id,
                origin=request.remote,
            )
            await session.commit()
    return page(
        "_plan.html",
        user,
        conv=conv,
        plan=plan,
        steps=steps,
        message=request.query.get("m", ""),
    )


@require_roles(*CHAT_ROLES)
async def add_step_post(request: web.Request) -> web.Response:
    """POST /console/c/{id}/plan/steps: one step (text, maybe a date), with the resident's consent."""
    from bot.console.views import load

    user = await current_user(request)
    assert user is not None
    form = await request.post()
    text = " ".join(str(form.get("text") or "").split())[:MAX_STEP_CHARS]
    due: date | None = None
    if form.get("due"):
        try:
            due = date.fromisoformat(str(form["due"]))
        except ValueError:
            due = None
    plans = request.config_dict[PLANS]
    async with request.config_dict[keys.DB]() as session:
        conv, _handover = await load(request, user, session)
        plan = (
            await plans.plan_of(session, conv.identity_id) if conv.identity_id is not None else None
        )
        if plan is None or not plan.share_with_team:
            raise web.HTTPForbidden(text=present.L("plan.not_shared"))
        message = "added"
        if not text:
            message = "empty"
        else:
            try:
                draft = StepDraft("staff", text=text, due_on=due)
                await plans.add_step(session, plan, draft, f"staff:{user.id}")
            except PlanFull:
                message = "full"
        if message == "added":
            audit(
                session,
                actor_id=user.id,
                action="plan_step_added",
                conversation_id=conv.id,
                origin=request.remote,
            )
        await session.commit()
    if request.headers.get("Accept") == "application/json":  # from the side panel (console.js)
        if message != "added":
            raise web.HTTPConflict(text=present.L(f"plan.message_{message}"))
        return web.json_response({"ok": True})
    raise web.HTTPSeeOther(f"/console/c/{conv.id}/plan?m={message}")


def setup_plan_routes(app: web.Application) -> None:
    """The plan's two console routes."""
    app.router.add_get("/c/{id}/plan", plan_panel, name="plan")
    app.router.add_post("/c/{id}/plan/steps", add_step_post)
