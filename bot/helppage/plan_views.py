"""The resident's own plan page: /hulp/plan/<link> (no account; the link is the key).

B1, phone-sized, printable on one A4, no scripts (the help page's CSP). A step is ticked with a
small form; the link is revoked after a confirmation page. A guessed, revoked or forgotten link
gets exactly the same 404 page, so a link gives nothing away. The page is never cached and
never indexed; the token is masked in every log line (`bot.privacy.logfilter`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from aiohttp import web

from bot import keys
from bot.helppage.views import ENV, HEADERS
from bot.plan import Plan, PlanStep, is_overdue, shown_date
from bot.plan.keys import PLANS
from bot.plan.words import step_text
from bot.texts import TextCatalog

PLAN_HEADERS = {
    **HEADERS,
    "Cache-Control": "no-store",  # a private page: not kept by the browser or a proxy
    "X-Robots-Tag": "noindex, nofollow",
}
RTL = frozenset({"ar"})
# every domain response the page uses, written out so `scripts/validate.py` sees them
PLAN_TEXTS = frozenset(
    {
        "utter_helppage_brand",
        "utter_planpage_title",
        "utter_planpage_intro",
        "utter_planpage_open",
        "utter_planpage_done",
        "utter_planpage_none_open",
        "utter_planpage_tick",
        "utter_planpage_overdue",
        "utter_planpage_from_counsellor",
        "utter_planpage_chat",
        "utter_planpage_private",
        "utter_planpage_shared",
        "utter_planpage_unshare",
        "utter_planpage_unshared",
        "utter_planpage_revoke",
        "utter_planpage_revoke_title",
        "utter_planpage_revoke_text",
        "utter_planpage_revoke_yes",
        "utter_planpage_revoke_no",
        "utter_planpage_revoked",
        "utter_planpage_not_found_title",
        "utter_planpage_not_found",
        "utter_plan_due",
    }
)


# Dutch phone numbers as people write them (020-1234567, 06 12345678, +31 20 1234567, 0800-0113,
# 14070) become tel: links; they and dates (14-07-2026) never break over two lines on a phone.
PHONE = re.compile(
    r"(?:(?<![\w€.,])\+31[ \u00a0-]?|(?<![\w€.,+])0)[1-9](?:[ \u00a0-]?\d){8}(?!\d)"
    r"|(?<![\w€.,])0[89]00[ \u00a0-]?\d{4}(?:\d{3})?(?!\d)"
    r"|(?<![\w€.,])140\d{2,3}(?!\d)"
)
DATE = re.compile(r"(?<!\d)\d{1,2}-\d{1,2}-\d{4}(?!\d)")


def tel_href(number: str) -> str:
    """The tel: address of a number as written (digits only; +31 becomes 0)."""
    digits = re.sub(r"\D", "", number)
    if number.startswith("+"):
        digits = "0" + digits[2:]
    return f"tel:{digits}"


def pieces(text: str) -> list[tuple[str, str | None]]:
    """A step's text in pieces: (text, None) plain, (number, "tel:…") a number to tap,
    (date, "") a date kept on one line."""
    found = sorted(
        [(m.start(), m.end(), tel_href(m.group())) for m in PHONE.finditer(text)]
        + [(m.start(), m.end(), "") for m in DATE.finditer(text)]
    )
    out: list[tuple[str, str | None]] = []
    at = 0
    for start, end, href in found:
        if start < at:
            continue  # overlaps a piece already taken
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], href))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return out


class PlanWords:
    """The page's texts in the plan's language."""

    def __init__(self, catalog: TextCatalog, language: str | None) -> None:
        self._catalog, self._language = catalog, language

    def __call__(self, name: str, **values: Any) -> str:
        response = f"utter_{name}"
        if response not in PLAN_TEXTS:
            raise KeyError(f"{response} is not listed in bot.helppage.plan_views.PLAN_TEXTS")
        return self._catalog.render(response, language=self._language, **values).text


def _page(
    request: web.Request, template: str, language: str | None, status: int = 200, **context: Any
) -> web.Response:
    css = request.app.router["static"].url_for(filename="plan.css")
    words = PlanWords(request.config_dict[keys.TEXTS], language)
    html = ENV.get_template(template).render(
        static_css=str(css),
        t=words,
        pieces=pieces,
        lang=language or "nl",
        dir="rtl" if language in RTL else "ltr",
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html", headers=PLAN_HEADERS)


def not_found(request: web.Request) -> web.Response:
    """The one answer for every link that does not open a plan (always in Dutch, always equal)."""
    return _page(request, "plan_not_found.html", None, status=404)


def _view(texts: TextCatalog, plan: Plan, step: PlanStep, today: date) -> dict[str, Any]:
    text = step_text(texts, step, plan.language)
    due = shown_date(step.due_on) if step.due_on else None
    overdue = is_overdue(step, today)
    return {
        "id": step.id,
        "text": text,
        # the date once: not again under a step that says it already (unless it has passed)
        "due": due if due and (due not in text or overdue) else None,
        "overdue": overdue,
        "done": step.done_at is not None,
        "from_staff": step.added_by.startswith("staff"),
    }


async def plan_page(request: web.Request) -> web.Response:
    """GET /hulp/plan/<token>: the steps, a tick per open step, the revoke button."""
    token = request.match_info["token"]
    plans = request.config_dict[PLANS]
    texts = request.config_dict[keys.TEXTS]
    async with request.config_dict[keys.DB]() as session:
        plan = await plans.by_token(session, token)
        if plan is None:
            return not_found(request)
        steps = await plans.steps(session, plan)
        today = date.today()
        views = [_view(texts, plan, s, today) for s in steps]
    return _page(
        request,
        "plan.html",
        plan.language,
        token=token,
        open_steps=[v for v in views if not v["done"]],
        # the latest first: a step just ticked is at the top of "Klaar" (the tick lands there)
        done_steps=[v for v in views if v["done"]][::-1],
        shared=plan.share_with_team,
        unshared=request.query.get("m") == "unshared" and not plan.share_with_team,
    )


async def tick(request: web.Request) -> web.Response:
    """POST /hulp/plan/<token>/stap/<id>: this step is done; back to the page."""
    token = request.match_info["token"]
    try:
        step_id = int(request.match_info["step"])
    except ValueError:
        return not_found(request)
    plans = request.config_dict[PLANS]
    async with request.config_dict[keys.DB]() as session:
        plan = await plans.by_token(session, token)
        if plan is None:
            return not_found(request)
        await plans.tick(session, plan, step_id)
        await session.commit()
    raise web.HTTPSeeOther(f"/hulp/plan/{token}#klaar", headers=PLAN_HEADERS)


async def unshare(request: web.Request) -> web.Response:
    """POST /hulp/plan/<token>/delen: the counsellor no longer sees the plan (the resident takes
    back the consent they gave in the chat, as easily as they gave it)."""
    token = request.match_info["token"]
    plans = request.config_dict[PLANS]
    async with request.config_dict[keys.DB]() as session:
        plan = await plans.by_token(session, token)
        if plan is None:
            return not_found(request)
        plan.share_with_team = False
        await session.commit()
    raise web.HTTPSeeOther(f"/hulp/plan/{token}?m=unshared#gedeeld", headers=PLAN_HEADERS)


async def revoke_page(request: web.Request) -> web.Response:
    """GET /hulp/plan/<token>/intrekken: are you sure? (no scripts: a page of its own)."""
    token = request.match_info["token"]
    async with request.config_dict[keys.DB]() as session:
        plan = await request.config_dict[PLANS].by_token(session, token)
    if plan is None:
        return not_found(request)
    return _page(request, "plan_revoke.html", plan.language, token=token)


async def revoke(request: web.Request) -> web.Response:
    """POST /hulp/plan/<token>/intrekken: the link stops working, for everybody."""
    token = request.match_info["token"]
    plans = request.config_dict[PLANS]
    async with request.config_dict[keys.DB]() as session:
        plan = await plans.by_token(session, token)
        if plan is None:
            return not_found(request)
        language = plan.language
        await plans.revoke(session, plan)
        await session.commit()
    return _page(request, "plan_revoked.html", language)


def setup_plan_routes(app: web.Application) -> None:
    """Register the plan page's routes (before the help page's /{gemeente})."""
    app.router.add_get("/plan/{token}", plan_page)
    app.router.add_post("/plan/{token}/stap/{step}", tick)
    app.router.add_post("/plan/{token}/delen", unshare)
    app.router.add_get("/plan/{token}/intrekken", revoke_page)
    app.router.add_post("/plan/{token}/intrekken", revoke)
