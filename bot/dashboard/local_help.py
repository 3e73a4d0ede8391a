"""The municipality's local help on the dashboard: is it still right, and a form to change it.

The list shows every entry working in the municipality: whether a resident can reach it today
(`bot.directory.rules`), when and by whom it was last checked, and a flag when that is longer
ago than the municipality's own limit (a setting, 180 days unless it sets another). One entry
is added or changed through a form with validation (`bot.directory.entries`): a Dutch phone
number, web addresses, opening hours per weekday, walk-in yes/no with the address, the kinds
of problem it helps with, and the date a person checked it. The chat and the public page read
the same table, so a change shows everywhere at once. Every change is audited with who did it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.directory import entries, hours
from bot.directory.places import display_name, slug
from bot.directory.repository import (
    EntryStatus,
    check_limit,
    entry_statuses,
    known_codes,
    mark_checked,
    place_of,
    service_by_id,
    set_check_limit,
)
from bot.directory.tables import HelpService
from bot.labels import Labels
from bot.staff import User, audit, current_user, require_roles

ROLES = ("analyst", "team_lead", "admin")
LIMIT_RANGE = (14, 730)  # days a municipality may choose between two checks
DAY_NAMES = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


@lru_cache(maxsize=1)
def labels() -> Labels:
    """The staff labels (read once)."""
    return Labels.load()


def _municipality(request: web.Request, user: User) -> str:
    allowed = list(user.municipality_codes)
    code = request.query.get("gemeente", "").strip().upper() or (
        allowed[0] if len(allowed) == 1 else ""
    )
    if not code:
        raise web.HTTPBadRequest(text=labels().label("directory.choose_municipality"))
    if not user.is_admin and code not in allowed:
        raise web.HTTPForbidden(text=labels().label("directory.not_yours"))
    return code


def _here(code: str, **extra: str) -> str:
    return "/dashboard/lokale-hulp?" + urlencode({"gemeente": code, **extra})


async def _name_of(request: web.Request, code: str) -> tuple[str, str | None]:
    async with request.config_dict[keys.DB]() as session:
        place = await place_of(session, code)
    if place is None:
        return code, None
    return display_name(place.code, place.name), f"/hulp/{slug(place.code, place.name)}"


def _step_label(entry: EntryStatus) -> str:
    if entry.service.purpose != "personal":
        return labels().label("directory.for_professionals")
    if entry.next_step:
        return labels().label("directory.step_yes")
    if entry.via_municipality:
        return labels().label("directory.step_via_number")
    return labels().label("directory.step_none")


def _render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    from bot.dashboard.views import render

    response = render(
        template,
        page="local_help",
        label=labels().label,
        scope_label=context.get("municipality_name", ""),
        **context,
    )
    response.set_status(status)
    return response


@require_roles(*ROLES)
async def overview(request: web.Request) -> web.Response:
    """GET /dashboard/lokale-hulp?gemeente=GMxxxx: every entry, its freshness, the limit."""
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    today = date.today()
    async with request.config_dict[keys.DB]() as session:
        limit = await check_limit(session, code)
        mine = await entry_statuses(session, code, today=today, limit_days=limit)
        national = await entry_statuses(session, None, today=today, limit_days=limit)
        notice_service = None
        if request.query.get("id"):
            notice_service = await service_by_id(session, request.query["id"][:80])
    name, page_path = await _name_of(request, code)
    notice = None
    kind = request.query.get("klaar", "")
    if kind in ("saved", "checked", "removed", "limit", "cleared") and (
        notice_service is not None or kind in ("removed", "limit")
    ):
        notice = labels().label(
            f"directory.done_{kind}",
            name=notice_service.name if notice_service else "",
            days=limit,
        )
    return _render(
        request,
        "local_help.html",
        user=user,
        code=code,
        municipality_name=name,
        page_path=page_path,
        entries=mine,
        national=national,
        no_step=sum(1 for e in mine if not e.next_step),
        overdue=sum(1 for e in mine if e.overdue),
        limit=limit,
        limit_range=LIMIT_RANGE,
        notice=notice,
        step_label=_step_label,
        may_edit=lambda s: entries.may_edit(s, code),
    )


def _form_context(
    code: str, service: HelpService | None, values: dict[str, str], problems: dict[str, list[str]]
) -> dict[str, Any]:
    from bot.dashboard.names import topic_name

    chosen = (
        set(values.get("categories_list", "").split())
        if "categories_list" in values
        else set((service.categories or []) if service else [])
    )
    return {
        "code": code,
        "service": service,
        "values": values,
        "problems": problems,
        "kinds": [(k, topic_name(k)) for k in entries.KINDS],
        "chosen": chosen,
        "days": list(zip(hours.DAYS, DAY_NAMES, strict=True)),
        "action": (
            f"/dashboard/lokale-hulp/hulp/{service.id}?gemeente={code}"
            if service
            else f"/dashboard/lokale-hulp/nieuw?gemeente={code}"
        ),
        "today": date.today(),
        "text_hours": service.walk_in
        if service and service.walk_in and not service.opening_hours
        else None,
    }


async def _editable(request: web.Request, code: str) -> HelpService:
    service_id = request.match_info["service_id"][:80]
    async with request.config_dict[keys.DB]() as session:
        service = await service_by_id(session, service_id)
    if service is None or not entries.may_edit(service, code):
        raise web.HTTPNotFound(text=labels().label("directory.unknown_entry"))
    return service


@require_roles(*ROLES)
async def form_page(request: web.Request) -> web.Response:
    """GET /dashboard/lokale-hulp/nieuw and /hulp/{id}: the form of one entry."""
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    service = await _editable(request, code) if "service_id" in request.match_info else None
    name, page_path = await _name_of(request, code)
    values = entries.as_form(service, date.today())
    return _render(
        request,
        "local_help_form.html",
        user=user,
        municipality_name=name,
        page_path=page_path,
        **_form_context(code, service, values, {}),
    )


@require_roles(*ROLES)
async def form_save(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp/nieuw and /hulp/{id}: check the whole form, then store it.

    A form with any problem changes nothing (422, every problem next to its field).
    """
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    service = await _editable(request, code) if "service_id" in request.match_info else None
    posted: MultiDictProxy[Any] = await request.post()
    form = {k: str(v)[:1000] for k, v in posted.items() if k not in ("csrf", "categories")}
    categories = [str(v) for v in posted.getall("categories", [])][:20]
    today = date.today()
    async with request.config_dict[keys.DB]() as session:
        new_id = (
            None
            if service
            else entries.new_id(
                form.get("name", "") or "hulp", code, await entries.taken_ids(session)
            )
        )
        result = entries.read_form(
            form,
            categories,
            municipality=code,
            existing=service,
            new_service_id=new_id,
            known_codes=await known_codes(session),
            person=user.name,
            today=today,
        )
        if result.values is None:
            audit(
                session,
                actor_id=user.id,
                action="directory.entry_saved",
                object_ref=f"service:{service.id if service else new_id}"[:80],
                result="invalid: " + ",".join(sorted(result.problems))[:60],
                origin=request.remote,
            )
            await session.commit()
        else:
            stored = await entries.save(session, result.values, owner=code)
            audit(
                session,
                actor_id=user.id,
                action="directory.entry_saved",
                object_ref=f"service:{stored.id}"[:80],
                result=("changed" if service else "created")
                + (", check cleared" if result.check_cleared else ""),
                origin=request.remote,
            )
            if result.checked:
                audit(
                    session,
                    actor_id=user.id,
                    action="directory.entry_checked",
                    object_ref=f"service:{stored.id}"[:80],
                    result=f"checked on {stored.last_checked}",
                    origin=request.remote,
                )
            await session.commit()
            done = "checked" if result.checked else ("cleared" if result.check_cleared else "saved")
            raise web.HTTPSeeOther(_here(code, klaar=done, id=stored.id))
    name, page_path = await _name_of(request, code)
    values = {**form, "categories_list": " ".join(categories)}
    return _render(
        request,
        "local_help_form.html",
        status=422,
        user=user,
        municipality_name=name,
        page_path=page_path,
        **_form_context(code, service, values, result.problems),
    )


@require_roles(*ROLES)
async def remove(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp/hulp/{id}/verwijderen: only an entry of this municipality alone."""
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    service = await _editable(request, code)
    if not entries.may_remove(service, code):
        raise web.HTTPForbidden(text=labels().label("directory.not_removable"))
    async with request.config_dict[keys.DB]() as session:
        await entries.remove(session, service.id)
        audit(
            session,
            actor_id=user.id,
            action="directory.entry_removed",
            object_ref=f"service:{service.id}"[:80],
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(_here(code, klaar="removed"))


@require_roles(*ROLES)
async def check(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp/gecontroleerd?gemeente=GMxxxx: one entry checked today.

    A municipality marks its own and its regional entries; national entries only an admin.
    The date and the person are stored on the entry and in the audit log.
    """
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    service_id = str((await request.post()).get("id", ""))[:80]
    today = date.today()
    async with request.config_dict[keys.DB]() as session:
        service = await service_by_id(session, service_id)
        mine = service is not None and (
            code in (service.municipalities or [])
            or (service.scope == "national" and user.is_admin)
        )
        if service is None or not mine:
            raise web.HTTPNotFound(text=labels().label("directory.unknown_entry"))
        await mark_checked(session, service_id, person=user.name, today=today)
        audit(
            session,
            actor_id=user.id,
            action="directory.entry_checked",
            object_ref=f"service:{service_id}",
            result=f"checked on {today}",
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(_here(code, klaar="checked", id=service_id))


@require_roles(*ROLES)
async def set_limit(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp/termijn?gemeente=GMxxxx: days between two checks."""
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    try:
        days = int(str((await request.post()).get("days", "")).strip())
    except ValueError:
        days = 0
    if not LIMIT_RANGE[0] <= days <= LIMIT_RANGE[1]:
        raise web.HTTPBadRequest(
            text=labels().label("directory.limit_invalid", low=LIMIT_RANGE[0], high=LIMIT_RANGE[1])
        )
    async with request.config_dict[keys.DB]() as session:
        await set_check_limit(session, code, days)
        audit(
            session,
            actor_id=user.id,
            action="directory.limit_set",
            object_ref=f"municipality:{code}",
            result=f"{days} days",
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(_here(code, klaar="limit"))


def setup_routes(app: web.Application) -> None:
    """Register the local-help screen's routes on the dashboard sub-app."""
    app.router.add_get("/lokale-hulp", overview)
    app.router.add_get("/lokale-hulp/nieuw", form_page)
    app.router.add_post("/lokale-hulp/nieuw", form_save)
    app.router.add_get("/lokale-hulp/hulp/{service_id}", form_page)
    app.router.add_post("/lokale-hulp/hulp/{service_id}", form_save)
    app.router.add_post("/lokale-hulp/hulp/{service_id}/verwijderen", remove)
    app.router.add_post("/lokale-hulp/gecontroleerd", check)
    app.router.add_post("/lokale-hulp/termijn", set_limit)
