"""The municipality's local-help screen: is the help still right and reachable, and edit it.

Freshness: every entry working in the municipality with whether a resident can reach it today
(`bot.directory.rules`), when and by whom it was last checked, and a button to mark it checked
(audited with `bot.staff.audit`). Editing: the directory's own file format (YAML), through the
import's parser and validator (`bot.directory.files.parse_directory_file`) and
`bot.directory.repository.apply_file`: the same rules as `geldhulp directory import`. The chat
and the public page read the same tables, so a change shows everywhere at once.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from aiohttp import web

from bot import keys
from bot.directory.files import DirectoryFileError, dump_yaml, parse_directory_file
from bot.directory.places import display_name, slug
from bot.directory.repository import (
    EntryStatus,
    apply_file,
    entry_statuses,
    known_codes,
    mark_checked,
    place_of,
    service_by_id,
    services_of,
)
from bot.labels import Labels
from bot.staff import User, audit, current_user, require_roles

ROLES = ("analyst", "team_lead", "admin")


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


async def _screen(
    request: web.Request,
    user: User,
    code: str,
    *,
    text: str | None = None,
    problems: list[str] | None = None,
    marked: str | None = None,
) -> web.Response:
    from bot.dashboard.views import render

    today = date.today()
    async with request.config_dict[keys.DB]() as session:
        place = await place_of(session, code)
        entries = await entry_statuses(session, code, today=today)
        national = await entry_statuses(session, None, today=today)
        if text is None:
            text = dump_yaml(code, await services_of(session, code))
    name = display_name(place.code, place.name) if place else code
    return render(
        "local_help.html",
        user=user,
        code=code,
        municipality_name=name,
        page_path=f"/hulp/{slug(place.code, place.name)}" if place else None,
        entries=entries,
        national=national,
        no_step=sum(1 for e in entries if not e.next_step),
        stale=sum(1 for e in entries if e.stale),
        text=text,
        problems=problems or [],
        saved=request.query.get("ok"),
        marked=marked,
        label=labels().label,
        step_label=_step_label,
    )


def _step_label(entry: EntryStatus) -> str:
    if entry.service.purpose != "personal":
        return labels().label("directory.for_professionals")
    if entry.next_step:
        return labels().label("directory.step_yes")
    if entry.via_municipality:
        return labels().label("directory.step_via_number")
    return labels().label("directory.step_none")


@require_roles(*ROLES)
async def edit_page(request: web.Request) -> web.Response:
    """GET /dashboard/lokale-hulp?gemeente=GMxxxx: freshness of the entries, and the editor."""
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    marked = None
    if request.query.get("gecontroleerd"):
        async with request.config_dict[keys.DB]() as session:
            service = await service_by_id(session, request.query["gecontroleerd"])
        marked = service.name if service else None
    return await _screen(request, user, code, marked=marked)


@require_roles(*ROLES)
async def save(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp?gemeente=GMxxxx: validate the whole file, then apply it."""
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    text = str((await request.post()).get("text", ""))
    async with request.config_dict[keys.DB]() as session:
        try:
            parsed = parse_directory_file(
                text, kind="yaml", known_codes=await known_codes(session), municipality=code
            )
        except DirectoryFileError as exc:
            response = await _screen(
                request, user, code, text=text, problems=[str(p) for p in exc.problems]
            )
            response.set_status(422)
            return response
        summary = await apply_file(session, parsed)
        audit(
            session,
            actor_id=user.id,
            action="directory.file_saved",
            object_ref=f"municipality:{code}",
            result=f"{summary.services} saved, {summary.removed} removed",
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(f"/dashboard/lokale-hulp?gemeente={code}&ok=1")


@require_roles(*ROLES)
async def check(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp/gecontroleerd?gemeente=GMxxxx: mark one entry checked today.

    A municipality marks its own and its regional entries; national entries only an admin.
    The date and the person are stored on the entry and in the audit log.
    """
    user = await current_user(request)
    assert user is not None
    code = _municipality(request, user)
    service_id = str((await request.post()).get("id", ""))[:80]
    async with request.config_dict[keys.DB]() as session:
        service = await service_by_id(session, service_id)
        mine = service is not None and (
            code in (service.municipalities or [])
            or (service.scope == "national" and user.is_admin)
        )
        if service is None or not mine:
            raise web.HTTPNotFound(text=labels().label("directory.unknown_entry"))
        await mark_checked(session, service_id, person=user.name, today=date.today())
        audit(
            session,
            actor_id=user.id,
            action="directory.entry_checked",
            object_ref=f"service:{service_id}",
            origin=request.remote,
        )
        await session.commit()
    raise web.HTTPSeeOther(f"/dashboard/lokale-hulp?gemeente={code}&gecontroleerd={service_id}")


def setup_routes(app: web.Application) -> None:
    """Register the local-help screen's routes on the dashboard sub-app."""
    app.router.add_get("/lokale-hulp", edit_page)
    app.router.add_post("/lokale-hulp", save)
    app.router.add_post("/lokale-hulp/gecontroleerd", check)
