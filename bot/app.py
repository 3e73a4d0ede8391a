"""The one app factory: wires settings, database, Redis, Rasa, channels, workers and routes.

`create_app` builds the objects that need no connection (texts, the handover service, the
routes and the console, dashboard and help-page sub-apps) and registers one cleanup context per
resource, in the order they depend on each other; aiohttp opens them in this order at start-up
and closes them in reverse at shutdown:

1. database: the engine and the session factory (`keys.DB`)
2. Redis: the client (or none), the flood and pacing counters, the leader locks
3. HTTP session: the one client session for Rasa and the channels
4. channels: the intake they hand messages to, the web-chat hub, every configured channel
5. Rasa client
6. workers: the router with its collaborators, the inbox and the outbox workers
7. background loops: health probe, channel polling, attending timeouts, retention and forget-me
   sweep (one leader per cluster), Deduce warm-up, PostgreSQL LISTEN

Every dependency goes through a constructor; nothing is looked up or patched later.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import asyncpg
import redis.asyncio as aioredis
from aiohttp import hdrs, web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import keys, schema
from bot.analytics import record_event
from bot.channels.registry import Deps, build_channels
from bot.channels.webhooks import accept_update, setup_webhooks
from bot.console import create_console_app
from bot.conversations.attending import Attending
from bot.conversations.callback_phone import CallbackPhones
from bot.conversations.erasure import Erasure
from bot.conversations.forget_me import ForgetMe
from bot.conversations.handover import HandoverService
from bot.conversations.heartbeat import Heartbeat
from bot.conversations.intake import Intake, Wakeups
from bot.conversations.keys import CALLBACK_PHONES, HANDOVER, INTAKE, TYPING, WAKEUPS
from bot.conversations.media_flow import MediaFlow
from bot.conversations.models import Inbound
from bot.conversations.plan_flow import PlanFlow
from bot.conversations.plan_reminders import PlanReminders
from bot.conversations.ports import Channel
from bot.conversations.presenter import Presenter
from bot.conversations.queue import instance_id
from bot.conversations.rasa import RasaClient
from bot.conversations.router import Router
from bot.conversations.timeouts import Timeouts
from bot.conversations.typing import TypingSignals
from bot.conversations.worker import InboxWorker, OutboxWorker
from bot.dashboard import create_dashboard_app
from bot.health import HEALTH, Health
from bot.helppage import create_helppage_app
from bot.media import Media, MediaCipher, MediaStore, cipher_from_settings, delete_untaken
from bot.media.keys import MEDIA
from bot.plan import PlanService
from bot.plan.keys import PLANS
from bot.privacy.deidentify import warm_at_start
from bot.privacy.retention import PURGE_FIRST_SECONDS, RetentionPolicy, retention_loop
from bot.settings import Settings
from bot.storage.base import utcnow
from bot.storage.db import create_engine, session_factory
from bot.storage.locks import Locks
from bot.storage.notify import Listener
from bot.storage.ratelimit import Counters, RedisCounters
from bot.texts import TextCatalog
from bot.webchat.hub import WebChatHub
from bot.webchat.keys import HUB
from bot.webchat.views import setup_webchat

logger = logging.getLogger(__name__)
PROBE_SECONDS = 5.0
STOP_SECONDS = 35.0  # how long loops get to finish their round at shutdown
STORAGE_ERRORS = (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
HSTS = "max-age=31536000; includeSubDomains"

Loop = Callable[[asyncio.Event], Awaitable[None]]


@dataclass(frozen=True)
class Workers:
    """The two queue workers of this instance."""

    inbox: InboxWorker
    outbox: OutboxWorker


# resources only the factory's cleanup contexts share (the parts read the keys of keys.py,
# bot.conversations.keys, bot.webchat.keys and bot.health)
REDIS: web.AppKey[aioredis.Redis | None] = web.AppKey("redis")
COUNTERS = web.AppKey("counters", Counters)
LOCKS = web.AppKey("locks", Locks)
HTTP = web.AppKey("http", aiohttp.ClientSession)
CHANNELS: web.AppKey[dict[str, Channel]] = web.AppKey("channels")
RASA = web.AppKey("rasa", RasaClient)
WORKERS = web.AppKey("workers", Workers)  # for tests that wait until the workers are idle
PRESENTER = web.AppKey("presenter", Presenter)
ERASURE = web.AppKey("erasure", Erasure)
MEDIA_CIPHER = web.AppKey("media_cipher", MediaCipher)
MEDIA_FLOW = web.AppKey("media_flow", MediaFlow)  # the router's file flow (tests swap its reader)
PLAN_FLOW = web.AppKey("plan_flow", PlanFlow)
PLAN_REMINDERS = web.AppKey("plan_reminders", PlanReminders)  # tests run a round themselves
UPLOAD_MINUTES = 60  # a web chat upload no message took is deleted after this long


@web.middleware
async def errors_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Clear answers for bad requests, and never a stack trace to the outside.

    Nothing could be stored (database down): 503, so the channel delivers the message again.
    """
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except STORAGE_ERRORS as exc:
        logger.warning("storage unavailable on %s (%s)", request.path, exc.__class__.__name__)
        return web.json_response(
            {"error": "temporarily unavailable"}, status=503, headers={"Retry-After": "5"}
        )
    except Exception:
        logger.exception("unhandled error on %s", request.path)
        return web.json_response({"error": "internal error"}, status=500)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Outside development: HSTS on every answer and every cookie Secure (HTTPS only)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.config_dict[keys.SETTINGS].is_development:
        return
    response.headers["Strict-Transport-Security"] = HSTS
    # the cookies are already in the headers when this signal runs (aiohttp 3.10+)
    cookies = response.headers.getall(hdrs.SET_COOKIE, [])
    if cookies:
        del response.headers[hdrs.SET_COOKIE]
        for cookie in cookies:
            parts = [p.strip().lower() for p in cookie.split(";")]
            response.headers.add(
                hdrs.SET_COOKIE, cookie if "secure" in parts else f"{cookie}; Secure"
            )


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: liveness only (the process answers; Rasa may still be loading)."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: 200 when this instance can work (database, Redis, its loops), else 503."""
    health = request.config_dict[HEALTH]
    ready = health.ready()
    return web.json_response(
        {"status": "ready" if ready else "not ready", "parts": health.snapshot()},
        status=200 if ready else 503,
    )


async def record_plan_event(
    session: AsyncSession,
    name: str,
    *,
    municipality_code: str | None,
    channel: str,
    ref: str | None = None,
) -> None:
    """The plan's counts as analytics events (a name, a municipality, a channel and the
    conversation's pseudonym: no content)."""
    await record_event(
        session, name, municipality_code=municipality_code, channel=channel, conversation_ref=ref
    )


def create_app(
    settings: Settings,
    *,
    pacing: dict[str, float] | None = None,
    retry_base: float = 1.0,
    workers: bool = True,
) -> web.Application:
    """Create the gateway application (no connection is opened until it starts).

    ``pacing`` overrides the channels' pace and ``retry_base`` the first retry delay (tests);
    ``workers=False`` starts no queue workers and no cluster-wide loops (tests of a crash
    after the webhook's answer).
    """
    RetentionPolicy.from_settings(settings)  # a bad retention setting stops the start
    cipher = cipher_from_settings(settings)  # no media key outside development stops the start
    texts = TextCatalog.load()
    presenter = Presenter(texts)
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[errors_middleware])
    app[keys.SETTINGS] = settings
    app[keys.TEXTS] = texts
    app[HEALTH] = Health()
    app[WAKEUPS] = Wakeups()
    app[PRESENTER] = presenter
    app[HANDOVER] = HandoverService(presenter, str(settings.pseudonym_key))
    # forget-me and retention delete in every table of every part
    app[ERASURE] = Erasure(schema.metadata())
    app[MEDIA_CIPHER] = cipher
    app[CALLBACK_PHONES] = CallbackPhones(cipher)
    app[PLANS] = PlanService(record=record_plan_event)
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    setup_webhooks(app)
    setup_webchat(app, texts)
    app.add_subapp("/console/", create_console_app(settings))
    app.add_subapp("/dashboard/", create_dashboard_app(settings))
    app.add_subapp("/hulp/", create_helppage_app(settings))
    owner = instance_id()
    run = workers and settings.workers
    app.cleanup_ctx.extend(
        [
            database_context,
            functools.partial(redis_context, owner=owner),
            http_context,
            functools.partial(channels_context, pacing=pacing),
            media_context,
            rasa_context,
            functools.partial(workers_context, owner=owner, retry_base=retry_base, run=run),
            functools.partial(loops_context, run=run),
        ]
    )
    return app


# --- 1. database --------------------------------------------------------------------------------


async def database_context(app: web.Application) -> AsyncIterator[None]:
    """The engine and its session factory, disposed at shutdown."""
    settings = app[keys.SETTINGS]
    engine = create_engine(settings.database_url)
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        logger.warning(
            "SQLite database: this gateway must run as a single instance "
            "(several instances need PostgreSQL and Redis)"
        )
    app[keys.DB] = session_factory(engine)
    try:
        yield
    finally:
        await engine.dispose()


# --- 2. Redis -----------------------------------------------------------------------------------


async def redis_context(app: web.Application, *, owner: str) -> AsyncIterator[None]:
    """Redis (when configured), the counters and the leader locks that use it."""
    settings = app[keys.SETTINGS]
    client: aioredis.Redis | None = None
    if settings.redis_url:
        client = aioredis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    else:
        logger.warning(
            "no Redis configured: flood control, pacing, web-chat delivery and leader "
            "locks stay in this process (one instance only)"
        )
    prefix = settings.redis_prefix
    app[REDIS] = client
    app[COUNTERS] = RedisCounters(client, prefix) if client is not None else Counters()
    app[LOCKS] = Locks(client, prefix=prefix, owner=owner, health=app[HEALTH])
    try:
        yield
    finally:
        if client is not None:
            with contextlib.suppress(Exception):
                await client.aclose()


# --- 3. HTTP session ----------------------------------------------------------------------------


async def http_context(app: web.Application) -> AsyncIterator[None]:
    """One client session for Rasa and the channels."""
    async with aiohttp.ClientSession() as http:
        app[HTTP] = http
        yield


# --- 4. channels --------------------------------------------------------------------------------


def parse_pacing(value: str) -> dict[str, float] | None:
    """``"telegram=1.0,whatsapp=0.5"`` as seconds per channel (None: the channels' own)."""
    if not value:
        return None
    paces = {}
    for part in value.split(","):
        name, _, seconds = part.partition("=")
        paces[name.strip()] = float(seconds)
    return paces


async def channels_context(
    app: web.Application, *, pacing: dict[str, float] | None
) -> AsyncIterator[None]:
    """The intake, the web-chat hub and every configured channel (started, then stopped)."""
    settings = app[keys.SETTINGS]
    health = app[HEALTH]
    intake = Intake(app[keys.DB], app[COUNTERS], str(settings.pseudonym_key), app[WAKEUPS])
    app[INTAKE] = intake
    hub = WebChatHub(app[REDIS], settings.redis_prefix, health)
    app[HUB] = hub
    deps = Deps(app[HTTP], health, hub, functools.partial(accept_update, intake))
    paces = pacing if pacing is not None else parse_pacing(settings.pacing)
    channels = build_channels(settings, deps, paces)
    app[CHANNELS] = channels
    app[TYPING] = TypingSignals(channels, app[REDIS], settings.redis_prefix)
    for channel in channels.values():
        await channel.start()
    try:
        yield
    finally:
        await hub.close_all()
        for channel in channels.values():
            with contextlib.suppress(Exception):
                await channel.stop()


# --- 4b. media ----------------------------------------------------------------------------------


async def media_context(app: web.Application) -> AsyncIterator[None]:
    """Residents' files: each channel's source, the sealed store, and a loop that deletes web
    chat uploads no message took."""
    http = app[HTTP]
    sources = {}
    for name, channel in app[CHANNELS].items():
        make_source = getattr(channel, "media_source", None)
        if make_source is not None:
            sources[name] = make_source(http)
    media = Media(MediaStore(app[MEDIA_CIPHER]), sources)
    app[MEDIA] = media
    app[MEDIA_FLOW] = MediaFlow(media, app[PRESENTER])
    factory = app[keys.DB]

    async def untaken(stop: asyncio.Event) -> None:
        # the first round after the start-up pause of the retention purge, then every 6 minutes
        pause = PURGE_FIRST_SECONDS
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=pause)
            if stop.is_set():
                return
            pause = UPLOAD_MINUTES * 6
            try:
                async with factory() as session:
                    before = utcnow() - timedelta(minutes=UPLOAD_MINUTES)
                    if await delete_untaken(session, before):
                        await session.commit()
            except Exception as exc:  # noqa: BLE001 - retried on the next round
                logger.warning("untaken uploads not deleted (%s)", exc.__class__.__name__)

    async with running([untaken]):
        yield


# --- 5. Rasa client -----------------------------------------------------------------------------


async def rasa_context(app: web.Application) -> AsyncIterator[None]:
    """The client of the Rasa replicas (it uses the shared HTTP session)."""
    settings = app[keys.SETTINGS]
    app[RASA] = RasaClient(
        app[HTTP], settings.rasa_url, str(settings.rasa_channel_token), settings.rasa_timeout
    )
    yield


# --- 6. workers ---------------------------------------------------------------------------------


async def workers_context(
    app: web.Application, *, owner: str, retry_base: float, run: bool
) -> AsyncIterator[None]:
    """The router and the inbox and outbox workers; running until shutdown when ``run``."""
    settings = app[keys.SETTINGS]
    factory, health, wakeups, channels = app[keys.DB], app[HEALTH], app[WAKEUPS], app[CHANNELS]
    handover, presenter = app[HANDOVER], app[PRESENTER]
    key = str(settings.pseudonym_key)
    forget_me = ForgetMe(app[ERASURE], key)
    app[PLAN_FLOW] = PlanFlow(presenter, app[PLANS], settings.public_url, key)
    app[PLAN_REMINDERS] = PlanReminders(app[PLAN_FLOW], channels)
    router = Router(
        rasa=app[RASA],
        presenter=presenter,
        pseudonym_key=key,
        attending=Attending(
            presenter,
            key,
            handover,
            forget_me,
            RetentionPolicy.from_settings(settings),
            app[CALLBACK_PHONES],
        ),
        handover=handover,
        forget_me=forget_me,
        media=app[MEDIA_FLOW],
        plan=app[PLAN_FLOW],
    )
    heartbeat = Heartbeat(factory, owner)  # one per instance, shared by its two loops
    outbox = OutboxWorker(
        factory,
        channels,
        owner=owner,
        heartbeat=heartbeat,
        health=health,
        pacer=app[COUNTERS],
        retry_base=retry_base,
        retry_cap=settings.delivery_retry_cap_seconds,
        max_age=timedelta(hours=settings.delivery_max_age_hours),
        lease_seconds=settings.queue_lease_seconds,
        wake=wakeups.outbox,
    )

    async def after(inbound: Inbound) -> None:
        acknowledge = getattr(channels.get(inbound.channel), "acknowledge", None)
        if acknowledge is not None:
            await acknowledge(inbound)

    inbox = InboxWorker(
        factory,
        router,
        owner=owner,
        heartbeat=heartbeat,
        health=health,
        retry_base=retry_base,
        lease_seconds=settings.queue_lease_seconds,
        after=after,
        processed=wakeups.outbox.set,
        wake=wakeups.inbox,
    )
    app[WORKERS] = Workers(inbox, outbox)
    async with running(
        [inbox.run, outbox.run] if run else [], wake=[wakeups.inbox, wakeups.outbox]
    ):
        yield


# --- 7. background loops ------------------------------------------------------------------------


async def loops_context(app: web.Application, *, run: bool) -> AsyncIterator[None]:
    """The loops besides the workers; the cluster-wide ones only where workers run."""
    settings = app[keys.SETTINGS]
    factory, health, wakeups, locks = app[keys.DB], app[HEALTH], app[WAKEUPS], app[LOCKS]
    loops: list[Loop] = [probe(factory, app[REDIS], health)]
    for channel in app[CHANNELS].values():
        loops += channel.loops()
    if run:
        timeouts = Timeouts(app[HANDOVER])
        loops.append(
            functools.partial(
                timeouts.run,
                factory,
                interval=settings.attend_sweep_seconds,
                did_work=wakeups.outbox.set,
            )
        )
        # one instance of a cluster purges old data and sweeps forgotten conversations
        sweep = functools.partial(
            retention_loop,
            factory,
            app[ERASURE],
            RetentionPolicy.from_settings(settings),
            settings.rasa_tracker_url,
        )
        loops.append(locks.only_leader("retention", sweep))
        reminders = functools.partial(app[PLAN_REMINDERS].run, factory)
        loops.append(locks.only_leader("plan_reminders", reminders))
        loops.append(warm_at_start)
        if make_url(settings.database_url).get_backend_name() == "postgresql":
            listener = Listener(
                settings.database_url,
                {"geldhulp_inbox": wakeups.inbox.set, "geldhulp_outbox": wakeups.outbox.set},
                health,
            )
            loops.append(listener.run)
    async with running(loops):
        yield


@contextlib.asynccontextmanager
async def running(
    loops: Iterable[Loop], *, wake: Iterable[asyncio.Event] = ()
) -> AsyncIterator[None]:
    """Run ``loops`` as tasks; at exit set their stop event (and ``wake``) and wait for them."""
    stop = asyncio.Event()
    tasks = [asyncio.ensure_future(loop(stop)) for loop in loops]
    try:
        yield
    finally:
        stop.set()
        for event in wake:
            event.set()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_SECONDS)
        for task in tasks:
            task.cancel()


def probe(
    factory: async_sessionmaker[AsyncSession], redis: aioredis.Redis | None, health: Health
) -> Loop:
    """A loop that checks the database and Redis every few seconds (for /readyz)."""
    health.register("database")
    if redis is not None:
        # reported, but not a reason to take the instance out: every instance shares Redis,
        # and without it each falls back to its own counters (web pushes are retried)
        health.register("redis", required=False)
        health.register("webchat_pubsub", required=False)

    async def check(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with factory() as session:
                    await session.execute(text("SELECT 1"))
                health.ok("database")
            except Exception as exc:  # noqa: BLE001 - reported, retried
                health.failing("database", exc)
            if redis is not None:
                try:
                    await redis.ping()
                    health.ok("redis")
                except Exception as exc:  # noqa: BLE001
                    health.failing("redis", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=PROBE_SECONDS)

    return check
