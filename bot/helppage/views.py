"""Views of the public help page: /hulp/ (find your municipality) and /hulp/<gemeente>.

``<gemeente>`` is a page name ("den-haag"), a municipality name or alias ("Den Haag",
"s-gravenhage", a former one like "Weesp") or a CBS code ("GM0518", "0518"). The help itself is
read from the database on every request, so a municipality's change shows at once. Only the
name index (municipalities do not change while the app runs) is built once per process.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keys
from bot.directory import hours
from bot.directory.places import display_name, slug
from bot.directory.repository import HelpOption, Place, find_help, load_resolver, place_of
from bot.directory.resolver import FOUND, Resolver
from bot.directory.tables import Municipality
from bot.helppage.sections import ALL_TOPICS, Section, arrange
from bot.settings import Settings
from bot.texts import TextCatalog

HERE = Path(__file__).resolve().parent
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
CODE = re.compile(r"(?:gm)?(\d{4})", re.IGNORECASE)
HEADERS = {
    # nothing from another site, no scripts, no tracking; never framed; no referrer leaks
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # always asked again: a municipality's edit shows at once
}
# Every domain response the page uses, written out so `scripts/validate.py` sees them.
TEXTS = frozenset(
    {
        "utter_helppage_brand",
        "utter_helppage_chat_button",
        "utter_helppage_chat_intro",
        "utter_helppage_checked_on",
        "utter_helppage_demo",
        "utter_helppage_demo_note",
        "utter_helppage_hours_not_known",
        "utter_helppage_hours_unknown",
        "utter_helppage_label_hours",
        "utter_helppage_danger",
        "utter_helppage_footer",
        "utter_helppage_index_intro",
        "utter_helppage_index_title",
        "utter_helppage_intro",
        "utter_helppage_label_chat",
        "utter_helppage_label_phone",
        "utter_helppage_label_walk_in",
        "utter_helppage_label_website",
        "utter_helppage_municipality",
        "utter_helppage_municipality_what",
        "utter_helppage_no_walk_in",
        "utter_helppage_not_found",
        "utter_helppage_not_found_title",
        "utter_helppage_print_chat",
        "utter_helppage_search_button",
        "utter_helppage_search_label",
        "utter_helppage_section_general",
        "utter_helppage_section_urgent",
        "utter_helppage_section_walk_in",
        "utter_helppage_skip",
        "utter_helppage_title",
        "utter_helppage_topic_benefits_toeslagen",
        "utter_helppage_topic_budgeting_admin",
        "utter_helppage_topic_debt_collector",
        "utter_helppage_topic_debt_help",
        "utter_helppage_topic_energy_water",
        "utter_helppage_topic_food_basic_needs",
        "utter_helppage_topic_health_insurance",
        "utter_helppage_topic_income_support",
        "utter_helppage_topic_payment_arrears",
        "utter_helppage_topic_rent_housing",
        "utter_helppage_topic_tax_government_debt",
        "utter_helppage_topic_work_future",
        "utter_helppage_unchecked",
        "utter_helppage_unchecked_note",
        "utter_helppage_via_municipality",
        "utter_help_where_local",
        "utter_help_where_regional",
        "utter_help_where_national",
    }
)
NAMES: web.AppKey[dict[str, Any]] = web.AppKey("helppage_names", dict)
SETTINGS = web.AppKey("helppage_settings", Settings)


class Words:
    """The page's texts (domain responses `utter_helppage_*`), filled in for one municipality."""

    def __init__(self, catalog: TextCatalog, **values: Any) -> None:
        self._catalog, self._values = catalog, values

    def __call__(self, name: str, **values: Any) -> str:
        response = f"utter_{name}"
        if response not in TEXTS:
            raise KeyError(f"{response} is not listed in bot.helppage.views.TEXTS")
        return self._catalog.render(response, **{**self._values, **values}).text


def _digits(phone: str) -> str:
    return re.sub(r"[^0-9+]", "", phone)


def _short_url(url: str) -> str:
    parts = urlsplit(url)
    text = (parts.netloc.removeprefix("www.") + parts.path).rstrip("/")
    return text or url


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A template as HTML with the page's headers and its own stylesheet."""
    ENV.filters["tel"] = _digits
    ENV.filters["short_url"] = _short_url
    ENV.filters["hours"] = hours.short
    css = request.app.router["static"].url_for(filename="helppage.css")
    html = ENV.get_template(template).render(static_css=str(css), **context)
    return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)


async def _names(request: web.Request, session: AsyncSession) -> tuple[Resolver, dict[str, str]]:
    """The name index and the page names, built once per process."""
    cache = request.app[NAMES]
    async with cache["lock"]:
        if "resolver" not in cache:
            rows = (
                await session.execute(
                    select(Municipality.code, Municipality.name).where(
                        Municipality.merged_into.is_(None)
                    )
                )
            ).all()
            cache["slugs"] = {slug(code, name): code for code, name in rows}
            cache["resolver"] = await load_resolver(session)
    return cache["resolver"], cache["slugs"]


async def resolve(
    request: web.Request, session: AsyncSession, text: str, *, postcodes: bool
) -> Place | None:
    """The municipality meant by ``text``, or None (also when two would fit)."""
    text = text.strip()[:100]
    if not text:
        return None
    resolver, slugs = await _names(request, session)
    code = CODE.fullmatch(text)
    if code and (text.lower().startswith("gm") or not postcodes):
        return await place_of(session, f"GM{code.group(1)}")
    if text.lower() in slugs:
        return await place_of(session, slugs[text.lower()])
    result = resolver.resolve(text if postcodes else text.replace("-", " "))
    if result.status == FOUND and result.place:
        return await place_of(session, result.place.code)
    return None


def _public(request: web.Request) -> str:
    return request.app[SETTINGS].public_url.rstrip("/")


async def index(request: web.Request) -> web.Response:
    """GET /hulp/: a form to find your municipality; ?gemeente= goes to its page."""
    texts = Words(request.config_dict[keys.TEXTS])
    asked = request.query.get("gemeente", "")
    if asked.strip():
        async with request.config_dict[keys.DB]() as session:
            place = await resolve(request, session, asked, postcodes=True)
        if place is None:
            return _not_found(request, asked)
        raise web.HTTPSeeOther(f"/hulp/{slug(place.code, place.name)}")
    return render(request, "index.html", t=texts, public=_public(request))


def _not_found(request: web.Request, asked: str) -> web.Response:
    texts = Words(request.config_dict[keys.TEXTS], input=asked.strip()[:60])
    return render(
        request, "not_found.html", status=404, t=texts, asked=asked[:60], public=_public(request)
    )


async def page(request: web.Request) -> web.Response:
    """GET /hulp/<gemeente>: all help in the municipality, by kind of problem."""
    asked = request.match_info["gemeente"]
    async with request.config_dict[keys.DB]() as session:
        place = await resolve(request, session, asked, postcodes=False)
        if place is None:
            return _not_found(request, asked)
        today = date.today()
        options: list[HelpOption] = await find_help(
            session, place.code, list(ALL_TOPICS), today=today, walk_in_first=True
        )
    name = display_name(place.code, place.name)
    page_slug = slug(place.code, place.name)
    texts = Words(request.config_dict[keys.TEXTS], municipality_name=name)
    sections: list[Section] = arrange(options)
    return render(
        request,
        "page.html",
        t=texts,
        place=place,
        name=name,
        sections=sections,
        any_unchecked=any(not o.checked for o in options),
        any_demo=any(o.service.demo for o in options),
        today=today,
        public=_public(request),
        page_url=f"{_public(request)}/hulp/{quote(page_slug)}",
    )


def setup_routes(app: web.Application, settings: Settings) -> None:
    """Register the page's routes and its own stylesheet."""
    from bot.helppage.plan_views import setup_plan_routes

    app[SETTINGS] = settings
    app[NAMES] = {"lock": asyncio.Lock()}
    app.router.add_static("/static", HERE / "static", name="static", append_version=True)
    app.router.add_get("/", index)
    setup_plan_routes(app)  # /plan/<link>: the resident's own plan (plan_views.py)
    app.router.add_get("/{gemeente}", page)
