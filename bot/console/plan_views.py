"""The resident's plan in the console: seen only when the resident shared it, and a counsellor
adds a step (at most three open steps). Every look and every step is in the audit log.

Routes (registered by `bot.console.views.setup_routes` with one line): GET /console/c/{id}/plan
and POST /console/c/{id}/plan/steps. Who may open the conversation may open its plan (the same
`load` check: team, municipality, an admin's reason).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from bot import keys
from bot.console import present
from bot.plan import PlanFull, StepDraft, is_overdue, shown_date
from bot.plan.keys import PLANS
from bot.plan.words import step_text
from bot.staff import CHAT_ROLES, audit, current_user, require_roles

MAX_STEP_CHARS = 300


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
            for step in await plans.steps(session, plan):
                steps.append(
                    {
                        "text": step_text(texts, step, None),
                        "due": shown_date(step.due_on) if step.due_on else None,
                        "overdue": is_overdue(step, today),
                        "done": step.done_at is not None,
                        "by_staff": step.added_by.startswith("staff"),
                    }
                )
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
    raise web.HTTPSeeOther(f"/console/c/{conv.id}/plan?m={message}")


def setup_plan_routes(app: web.Application) -> None:
    """The plan's two console routes."""
    app.router.add_get("/c/{id}/plan", plan_panel, name="plan")
    app.router.add_post("/c/{id}/plan/steps", add_step_post)
