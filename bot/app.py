"""The one app factory: wires settings, database, Rasa client, channels, workers and routes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot import keys
from bot.channels.telegram import TelegramChannel
from bot.channels.webhooks import setup_webhooks
from bot.channels.whatsapp import WhatsAppChannel
from bot.conversations.attending import Attending
from bot.conversations.rasa import RasaClient
from bot.conversations.router import Router
from bot.conversations.worker import InboxWorker, OutboxWorker
from bot.settings import Settings
from bot.storage.db import create_engine, session_factory
from bot.texts import TextCatalog
from bot.webchat.hub import WebChatHub
from bot.webchat.views import setup_webchat

logger = logging.getLogger(__name__)
# Per-chat pacing (seconds between sends): Telegram ~1 msg/s per chat; WhatsApp's pair rate
# allows bursts, so a short gap keeps the order without slowing a normal reply down.
DEFAULT_PACING = {"telegram": 1.0, "whatsapp": 1.0, "web": 0.0}


@web.middleware
async def errors_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    """Clear answers for bad requests, and never a stack trace to the outside."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("unhandled error on %s", request.path)
        return web.json_response({"error": "internal error"}, status=500)


async def healthz(request: web.Request) -> web.Response:
    """GET /healthz: the gateway runs (Rasa may still be loading)."""
    return web.json_response({"status": "ok"})


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
    app.router.add_get("/healthz", healthz)
    setup_webhooks(app)
    setup_webchat(app)
    app.cleanup_ctx.append(
        _resources(settings, DEFAULT_PACING if pacing is None else pacing, retry_base, workers)
    )
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


def _resources(
    settings: Settings,
    pacing: dict[str, float],
    retry_base: float,  # type: ignore[no-untyped-def]
    workers: bool,
):
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        factory = session_factory(engine)
        app[keys.DB] = factory
        http = aiohttp.ClientSession()
        hub = WebChatHub()
        app[keys.HUB] = hub
        channels: dict[str, object] = {"web": hub}
        telegram = None
        if str(settings.telegram_token) and settings.telegram_mode != "off":
            telegram = TelegramChannel(str(settings.telegram_token), settings.telegram_base_url)
            await telegram.start()
            channels["telegram"] = telegram
        if str(settings.whatsapp_token) and settings.whatsapp_phone_number_id:
            channels["whatsapp"] = WhatsAppChannel(
                http,
                settings.whatsapp_graph_url,
                settings.whatsapp_phone_number_id,
                str(settings.whatsapp_token),
            )
        router = Router(
            rasa=RasaClient(
                http, settings.rasa_url, str(settings.rasa_channel_token), settings.rasa_timeout
            ),
            texts=app[keys.TEXTS],
            pseudonym_key=str(settings.pseudonym_key),
            attending=Attending(app[keys.TEXTS], str(settings.pseudonym_key)),
        )
        _attach_handover(app, router, settings)
        outbox = OutboxWorker(factory, channels, pacing=pacing, retry_base=retry_base)

        async def after(inbound):  # type: ignore[no-untyped-def]
            query_id = inbound.extra.get("callback_query_id")
            if query_id and telegram is not None:
                await telegram.answer_callback(query_id)

        inbox = InboxWorker(
            factory, router, retry_base=retry_base, after=after, processed=outbox.wake.set
        )
        app[keys.INBOX], app[keys.OUTBOX] = inbox, outbox
        stop = asyncio.Event()
        tasks = []
        if workers:
            tasks.append(
                asyncio.create_task(_retention(factory, settings, stop))
            )  # tests start an app without workers to simulate a crash after the ack
            tasks += [asyncio.create_task(inbox.run(stop)), asyncio.create_task(outbox.run(stop))]
            tasks += [asyncio.create_task(loop(stop)) for loop in app[keys.BACKGROUND]]
        if telegram is not None and _polling(settings):
            from bot.channels.telegram import parse_update
            from bot.channels.webhooks import accept

            async def accept_update(update: dict) -> None:  # type: ignore[type-arg]
                inbound = parse_update(update)
                if inbound is not None:
                    await accept(_FakeRequest(app), inbound)  # type: ignore[arg-type]

            tasks.append(asyncio.create_task(telegram.poll(accept_update, stop)))
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
            if telegram is not None:
                await telegram.stop()
            await http.close()
            await engine.dispose()

    return ctx


async def _retention(factory, settings: Settings, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    """Delete transcripts past the retention limit, at start and then every hour."""
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
        except Exception:  # noqa: BLE001 - retried next hour
            logger.exception("retention purge failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=3600)


def _polling(settings: Settings) -> bool:
    """Polling for local use: a token but no webhook secret (no public URL), or asked for."""
    if settings.telegram_mode == "polling":
        return True
    return settings.telegram_mode == "auto" and not str(settings.telegram_webhook_secret)


def _attach_handover(app: web.Application, router: Router, settings: Settings) -> None:
    """Let the handover feature (console) take over handover decisions, when present."""
    with contextlib.suppress(ModuleNotFoundError):
        from bot.conversations.handover import attach

        attach(app, router, settings)


class _FakeRequest:
    """The webhook helpers read shared state through request.config_dict; polling has no request."""

    def __init__(self, app: web.Application) -> None:
        self.config_dict = app
