"""The one app factory: wires settings, database, Redis, Rasa, channels, workers and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
from aiohttp import hdrs, web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import keys
from bot.channels.registry import Deps, build_channels
from bot.channels.webhooks import accept_update, setup_webhooks
from bot.conversations.attending import Attending
from bot.conversations.models import Inbound
from bot.conversations.queue import instance_id
from bot.conversations.rasa import RasaClient
from bot.conversations.router import Router
from bot.conversations.worker import InboxWorker, OutboxWorker
from bot.health import Health
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory
from bot.storage.locks import Locks
from bot.storage.ratelimit import Counters, RedisCounters
from bot.texts import TextCatalog
from bot.webchat.hub import WebChatHub
from bot.webchat.views import setup_webchat

logger = logging.getLogger(__name__)
PROBE_SECONDS = 5.0
STORAGE_ERRORS = (SQLAlchemyError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError)
HSTS = "max-age=31536000; includeSubDomains"


@web.middleware
async def errors_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
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
    health: Health = request.config_dict[keys.HEALTH]  # type: ignore[assignment]
    ready = health.ready()
    return web.json_response(
        {"status": "ready" if ready else "not ready", "parts": health.snapshot()},
        status=200 if ready else 503,
    )


def create_app(
    settings: Settings,
    *,
    pacing: dict[str, float] | None = None,
    retry_base: float = 1.0,
    workers: bool = True,
) -> web.Application:
    """Create the gateway application (no work happens until it starts)."""
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[errors_middleware])
    app[keys.SETTINGS] = settings
    app[keys.FLOOD] = {}
    app[keys.EXTRA] = {}
    app[keys.BACKGROUND] = []
    app[keys.TEXTS] = TextCatalog.load()
    app[keys.HEALTH] = Health()
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    setup_webhooks(app)
    setup_webchat(app)
    app.cleanup_ctx.append(_resources(settings, pacing, retry_base, workers))
    _mount_optional(app, settings)
    return app


def _mount_optional(app: web.Application, settings: Settings) -> None:
    """Sub-apps of later features (console, dashboard), when present in this build."""
    with contextlib.suppress(ModuleNotFoundError):
        from bot.console import create_console_app

        app.add_subapp("/console/", create_console_app(settings))
    with contextlib.suppress(ModuleNotFoundError):
        from bot.dashboard import create_dashboard_app

        app.add_subapp("/dashboard/", create_dashboard_app(settings))
    with contextlib.suppress(ModuleNotFoundError):
        from bot.helppage import create_helppage_app  # type: ignore[import-not-found]

        app.add_subapp("/hulp/", create_helppage_app(settings))


def _is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _resources(
    settings: Settings, pacing: dict[str, float] | None, retry_base: float, workers: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        health: Health = app[keys.HEALTH]  # type: ignore[assignment]
        owner = instance_id()
        engine = create_engine(settings.database_url)
        factory = session_factory(engine)
        app[keys.DB] = factory
        postgres = _is_postgres(settings.database_url)
        if not postgres:
            logger.warning(
                "SQLite database: this gateway must run as a single instance "
                "(several instances need PostgreSQL and Redis)"
            )
        redis = None
        if settings.redis_url:
            import redis.asyncio as aioredis

            redis = aioredis.from_url(
                settings.redis_url, socket_timeout=5, socket_connect_timeout=5
            )
        else:
            logger.warning(
                "no Redis configured: flood control, pacing, web-chat delivery and leader "
                "locks stay in this process (one instance only)"
            )
        app[keys.REDIS] = redis
        prefix = settings.redis_prefix
        counters = RedisCounters(redis, prefix) if redis is not None else Counters()
        app[keys.COUNTERS] = counters
        app[keys.LOCKS] = Locks(redis, prefix=prefix, owner=owner, health=health)
        http = aiohttp.ClientSession()
        hub = WebChatHub(redis, prefix, health)
        app[keys.HUB] = hub

        async def accept_polled(channel: str, update: dict[str, Any]) -> None:
            await accept_update(app, channel, update)

        paces = pacing
        if paces is None and settings.pacing:
            paces = {}
            for part in settings.pacing.split(","):
                name, _, value = part.partition("=")
                paces[name.strip()] = float(value)
        channels = build_channels(settings, Deps(http, health, hub, accept_polled), paces)
        app[keys.CHANNELS] = channels
        for channel in channels.values():
            await channel.start()
        rasa = RasaClient(
            http, settings.rasa_url, str(settings.rasa_channel_token), settings.rasa_timeout
        )
        app[keys.RASA] = rasa
        router = Router(
            rasa=rasa,
            texts=app[keys.TEXTS],
            pseudonym_key=str(settings.pseudonym_key),
            attending=Attending(app[keys.TEXTS], str(settings.pseudonym_key)),
        )
        _attach_handover(app, router, settings)
        _attach_privacy(app, router, settings)
        outbox = OutboxWorker(
            factory,
            channels,
            owner=owner,
            health=health,
            pacer=counters,
            retry_base=retry_base,
            retry_cap=settings.delivery_retry_cap_seconds,
            max_age=timedelta(hours=settings.delivery_max_age_hours),
            lease_seconds=settings.queue_lease_seconds,
        )

        async def after(inbound: Inbound) -> None:
            channel = channels.get(inbound.channel)
            acknowledge = getattr(channel, "acknowledge", None)
            if acknowledge is not None:
                await acknowledge(inbound)

        inbox = InboxWorker(
            factory,
            router,
            owner=owner,
            health=health,
            retry_base=retry_base,
            lease_seconds=settings.queue_lease_seconds,
            after=after,
            processed=outbox.wake.set,
        )
        app[keys.INBOX], app[keys.OUTBOX] = inbox, outbox
        stop = asyncio.Event()
        loops: list[keys.Background] = [_probe(factory, redis, health)]
        for channel in channels.values():
            loops += channel.loops()
        if workers and settings.workers:  # tests start an app without workers: a crash after ack
            loops += [inbox.run, outbox.run]
            locks: Locks = app[keys.LOCKS]  # type: ignore[assignment]
            if not app[keys.EXTRA].get("privacy"):  # forgetting.attach runs retention itself
                loops.append(locks.only_leader("retention", _retention(factory, settings)))
            registered: list[keys.Background] = app[keys.BACKGROUND]
            loops.extend(registered)
            if postgres:
                from bot.storage.notify import Listener

                listener = Listener(
                    settings.database_url,
                    {"geldhulp_inbox": inbox.wake.set, "geldhulp_outbox": outbox.wake.set},
                    health,
                )
                loops.append(listener.run)
        tasks = [asyncio.ensure_future(loop(stop)) for loop in loops]
        try:
            yield
        finally:
            stop.set()
            inbox.wake.set()
            outbox.wake.set()
            await hub.close_all()
            if tasks:
                await asyncio.wait(tasks, timeout=35)
            for task in tasks:
                task.cancel()
            for channel in channels.values():
                with contextlib.suppress(Exception):
                    await channel.stop()
            await http.close()
            if redis is not None:
                with contextlib.suppress(Exception):
                    await redis.aclose()
            await engine.dispose()

    return ctx


def _probe(
    factory: Any, redis: Any, health: Health
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """A loop that checks the database and Redis every few seconds (for /readyz)."""
    health.register("database")
    if redis is not None:
        # reported, but not a reason to take the instance out: every instance shares Redis,
        # and without it each falls back to its own counters (web pushes are retried)
        health.register("redis", required=False)
        health.register("webchat_pubsub", required=False)

    async def probe(stop: asyncio.Event) -> None:
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

    return probe


def _retention(
    factory: Any, settings: Settings
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """Delete transcripts past the retention limit, at start and then every hour."""

    async def loop(stop: asyncio.Event) -> None:
        from bot.conversations.forgetting import purge_transcripts

        while not stop.is_set():
            try:
                async with factory() as session:
                    removed = await purge_transcripts(
                        session, older_than_days=settings.transcript_retention_days
                    )
                    await session.commit()
                if removed:
                    logger.info("retention: %s old messages deleted", removed)
            except Exception as exc:  # noqa: BLE001 - retried next time
                logger.warning("retention purge failed (%s)", exc.__class__.__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=3600)

    return loop


def _attach_privacy(app: web.Application, router: Router, settings: Settings) -> None:
    """Forget-me sweep and retention per municipality, our tables and Rasa's tracker store."""
    with contextlib.suppress(ModuleNotFoundError):
        from bot.conversations.forgetting import attach

        attach(app, router, settings)
        app[keys.EXTRA]["privacy"] = True


def _attach_handover(app: web.Application, router: Router, settings: Settings) -> None:
    """Let the handover feature (console) take over handover decisions, when present."""
    with contextlib.suppress(ModuleNotFoundError):
        from bot.conversations.handover import attach

        attach(app, router, settings)
