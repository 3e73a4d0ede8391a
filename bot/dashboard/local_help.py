"""Editing a municipality's own local-help entries from the dashboard.

The text is the directory's own file format (`geldhulp-directory/1`, YAML) and goes through the
directory import's parser and validator (`bot.directory.files.parse_directory_file`) and
`bot.directory.repository.apply_file`: the same rules as `geldhulp directory import`, nothing
duplicated here. A file with any problem changes nothing.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.directory.files import DirectoryFileError, dump_yaml, parse_directory_file
from bot.directory.repository import apply_file, known_codes, services_of
from bot.staff import current_user, require_roles

ROLES = ("analyst", "team_lead", "admin")


def _municipality(request: web.Request, allowed: list[str], admin: bool) -> str:
    code = request.query.get("gemeente", "").strip().upper() or (
        allowed[0] if len(allowed) == 1 else ""
    )
    if not code:
        raise web.HTTPBadRequest(text="kies een gemeente met ?gemeente=GMxxxx")
    if not admin and code not in allowed:
        raise web.HTTPForbidden(text="niet jouw gemeente")
    return code


@require_roles(*ROLES)
async def edit_page(request: web.Request) -> web.Response:
    """GET /dashboard/lokale-hulp?gemeente=GMxxxx: the municipality's entries as an editable file."""
    from bot.dashboard.views import render

    user = await current_user(request)
    assert user is not None
    code = _municipality(request, list(user.municipality_codes), user.is_admin)
    async with request.config_dict[keys.DB]() as session:
        text = dump_yaml(code, await services_of(session, code))
    return render(
        "local_help.html",
        user=user,
        code=code,
        text=text,
        problems=[],
        saved=request.query.get("ok"),
    )


@require_roles(*ROLES)
async def save(request: web.Request) -> web.Response:
    """POST /dashboard/lokale-hulp?gemeente=GMxxxx: validate the whole file, then apply it."""
    from bot.dashboard.views import render

    user = await current_user(request)
    assert user is not None
    code = _municipality(request, list(user.municipality_codes), user.is_admin)
    text = str((await request.post()).get("text", ""))
    async with request.config_dict[keys.DB]() as session:
        try:
            parsed = parse_directory_file(
                text, kind="yaml", known_codes=await known_codes(session), municipality=code
            )
        except DirectoryFileError as exc:
            response = render(
                "local_help.html",
                user=user,
                code=code,
                text=text,
                problems=[str(p) for p in exc.problems],
                saved=None,
            )
            response.set_status(422)
            return response
        await apply_file(session, parsed)
        await session.commit()
    raise web.HTTPSeeOther(f"/dashboard/lokale-hulp?gemeente={code}&ok=1")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/lokale-hulp", edit_page)
    app.router.add_post("/lokale-hulp", save)
