"""`geldhulp cluster` (used by `make cluster`): the product as several instances on one machine.

Starts N gateways and M Rasa replicas, the action server, and Redis on loopback, all on the
machine's PostgreSQL (our tables and Rasa's tracker, in two databases that are created when
missing). The gateways share the work through the database's leases and Redis; each
conversation goes to one fixed Rasa replica. Stops everything on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

from bot.settings import ROOT, load_settings, rasa_tracker_url_for_rasa
from bot.supervise import (
    LOG_DIR,
    MODEL,
    STOP_SIGNALS,
    Child,
    _start,
    _stop,
    _wait_ready,
    action_server_args,
    child_env,
    rasa_args,
    say,
)

DEFAULT_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/geldhulp_cluster"
REDIS_PORT = 6390


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `cluster` options."""
    parser.add_argument("--gateways", type=int, default=2, help="gateway instances (8080, 8081…)")
    parser.add_argument("--replicas", type=int, default=2, help="Rasa replicas (5005, 5006…)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("GELDHULP_CLUSTER_DATABASE_URL", DEFAULT_DATABASE),
        help="PostgreSQL for our tables; Rasa's tracker goes to <name>_rasa on the same server",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("GELDHULP_REDIS_URL", ""),
        help=f"Redis to use (default: start redis-server on 127.0.0.1:{REDIS_PORT})",
    )


async def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist yet."""
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False), timeout=10)
    try:
        exists = await conn.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", parsed.database
        )
        if not exists:
            await conn.execute(f'CREATE DATABASE "{parsed.database}"')
    finally:
        await conn.close()


async def cluster(args: argparse.Namespace) -> int:
    """Start everything, print the URLs, wait for Ctrl-C."""
    if not MODEL.exists():
        say(f"No trained model at {MODEL}. Run `make train`.", err=True)
        return 1
    database_url = args.database_url
    tracker_url = (
        make_url(database_url)
        .set(database=f"{make_url(database_url).database}_rasa")
        .render_as_string(hide_password=False)
    )
    try:
        await ensure_database(database_url)
        await ensure_database(tracker_url)
    except (OSError, asyncpg.PostgresError) as exc:
        say(f"PostgreSQL is not reachable ({exc.__class__.__name__}).", err=True)
        return 1
    base = load_settings()
    rasa_ports = [5005 + i for i in range(args.replicas)]
    gateway_ports = [8080 + i for i in range(args.gateways)]
    rasa_urls = ",".join(f"http://127.0.0.1:{p}" for p in rasa_ports)
    env = child_env(base, replicas=args.replicas)
    env.update(
        GELDHULP_DATABASE_URL=database_url,
        GELDHULP_RASA_TRACKER_URL=tracker_url,
        RASA_TRACKER_URL=rasa_tracker_url_for_rasa(tracker_url),
        GELDHULP_RASA_URL=rasa_urls,
    )
    children: list[Child] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        redis_url = args.redis_url
        if not redis_url:
            server = shutil.which("redis-server")
            if server is None:
                say("redis-server is not installed; pass --redis-url.", err=True)
                return 1
            children.append(
                await _start(
                    "redis",
                    [server, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""],
                    env,
                )
            )
            redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        env["GELDHULP_REDIS_URL"] = redis_url
        for command in (["db", "upgrade"], ["directory", "import", "--if-empty"]):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *command, cwd=ROOT, env=env
            )
            if await process.wait() != 0:
                say(f"`geldhulp {' '.join(command)}` failed", err=True)
                return 1
        action_port = 5055
        actions = await _start("actions", action_server_args(action_port), env)
        children.append(actions)
        replicas = []
        for n, port in enumerate(rasa_ports):
            replicas.append(await _start(f"rasa-{n}", rasa_args(base, port), env))
        children += replicas
        gateways = []
        for n, port in enumerate(gateway_ports):
            gateways.append(
                await _start(
                    f"gateway-{n}",
                    [sys.executable, "-m", "bot", "serve"],
                    {
                        **env,
                        "GELDHULP_PORT": str(port),
                        "GELDHULP_PUBLIC_URL": f"http://127.0.0.1:{port}",
                    },
                )
            )
        children += gateways
        say("Starting the cluster… (each Rasa replica loads its model)")
        async with aiohttp.ClientSession() as session:
            health = f"http://127.0.0.1:{action_port}/health"
            await _wait_ready(session, health, actions, 60, expect='"ok"')
            for child, port in zip(replicas, rasa_ports, strict=True):
                channel = f"http://127.0.0.1:{port}/webhooks/gateway/"
                await _wait_ready(session, channel, child, 600, expect='"ok"')
            for child, port in zip(gateways, gateway_ports, strict=True):
                readyz = f"http://127.0.0.1:{port}/readyz"
                await _wait_ready(session, readyz, child, 60, expect='"ready"')
        say("\nGeldhulp cluster is running:")
        for port in gateway_ports:
            say(f"  Gateway         http://127.0.0.1:{port}  (web chat /chat, readiness /readyz)")
        for port in rasa_ports:
            say(f"  Rasa replica    http://127.0.0.1:{port}  (loopback only)")
        say(f"  Action server   http://127.0.0.1:{action_port}")
        say(f"  PostgreSQL      {make_url(database_url).render_as_string(hide_password=True)}")
        say(f"  Redis           {redis_url}")
        say(f"  Logs            {LOG_DIR}/")
        say("Press Ctrl-C to stop.")
        waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
        waiters += [asyncio.create_task(c.proc.wait()) for c in children]
        _done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for child in children:
            if child.proc.returncode is not None and not stop.is_set():
                say(f"{child.name} stopped unexpectedly; see {child.log}", err=True)
    finally:
        say("\nStopping…")
        await _stop(children)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the cluster until Ctrl-C."""
    return asyncio.run(cluster(args))
