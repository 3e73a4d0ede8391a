"""`geldhulp run` (used by `make run`): start Rasa, the action server and the gateway together.

Prints the URLs, offers a terminal chat when run in a terminal, and stops everything cleanly on
Ctrl-C, also when the output is piped (`make run | tee x`: Ctrl-C ends `tee` too, so nothing may
depend on printing). Each child runs in a process group of its own (Ctrl-C in the terminal
reaches only us; we stop every group), dies with us if we die (Linux), and writes to its log in
``var/log/``. Rasa and the action server listen on loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp

from bot.demo.team import login_lines
from bot.settings import LANGUAGES, ROOT, Settings, load_settings, rasa_tracker_url_for_rasa

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# Rasa's own command line with the fast YAML reader first (rasa_addons/rasa_main.py): every
# Rasa of ours is started with this, from the repository root
RASA_COMMAND = (str(RASA_PYTHON), "-m", "rasa_addons.rasa_main")
MODEL = ROOT / "models" / "geldhulp.tar.gz"
RASA_HELLO = "Hello from Rasa"  # what `GET /` of a Rasa server answers (rasa/server.py)
LOG_DIR = ROOT / "var" / "log"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Rasa's own logging: INFO prints start-up and errors, never a message (its DEBUG does);
# TensorFlow and the other libraries only their errors, SQLAlchemy without its 2.0 notice (the
# libraries' deprecation warnings at import still reach var/log/rasa.log; PYTHONWARNINGS did not
# silence them)
RASA_LOGGING = {
    "LOG_LEVEL": "INFO",
    "LOG_LEVEL_LIBRARIES": "ERROR",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


@dataclass
class Child:
    """A started process and the log file it writes to."""

    name: str
    proc: asyncio.subprocess.Process
    log: Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `run` options."""
    parser.add_argument(
        "--no-chat", action="store_true", help="don't start the terminal chat, only the services"
    )
    parser.add_argument("--no-gateway", action="store_true", help="start Rasa and actions only")
    parser.add_argument(
        "--log-dir", type=Path, default=LOG_DIR, help=f"where the logs go (default {LOG_DIR})"
    )


def say(text: str = "", *, err: bool = False, end: str = "\n") -> None:
    """Print for the person at the terminal; a closed pipe (`| tee` stopped) is no reason to
    stop stopping."""
    with contextlib.suppress(OSError, ValueError):
        stream = sys.stderr if err else sys.stdout
        stream.write(text + end)
        stream.flush()


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the supervisor dies (Linux), so no child
    outlives a supervisor that was killed without a chance to stop it."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _port(url: str, default: int) -> int:
    return urlparse(url).port or default


def child_env(settings: Settings, *, replicas: int = 1) -> dict[str, str]:
    """The environment of Rasa and the action server: loopback only, threads per replica."""
    threads = str(max(1, (os.cpu_count() or 2) // max(1, replicas) // 2))
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ACTION_SERVER_URL": settings.action_server_url,
        "GELDHULP_RASA_CHANNEL_TOKEN": str(settings.rasa_channel_token),
        "GELDHULP_DATABASE_URL": settings.database_url,
        "RASA_TRACKER_URL": rasa_tracker_url_for_rasa(settings.rasa_tracker_url),
        # the action server (Sanic) would listen on every interface without this
        "SANIC_HOST": "127.0.0.1",
        # TensorFlow: a small model runs fastest with few threads; one replica per core
        "TF_INTER_OP_PARALLELISM_THREADS": os.environ.get("TF_INTER_OP_PARALLELISM_THREADS", "1"),
        "TF_INTRA_OP_PARALLELISM_THREADS": os.environ.get(
            "TF_INTRA_OP_PARALLELISM_THREADS", threads
        ),
        **RASA_LOGGING,
    }


def action_server_args(port: int) -> list[str]:
    """Our action-server entry (rasa_sdk's server with our log filter, bot/actionserver.py)."""
    return [sys.executable, "-m", "bot", "actions", "--port", str(port)]


def rasa_args(settings: Settings, port: int) -> list[str]:
    """`rasa run` on loopback; the REST channel (no authentication) only in development."""
    credentials = "credentials.dev.yml" if settings.is_development else "credentials.yml"
    return [
        *RASA_COMMAND,
        "run",
        "--model",
        str(MODEL),
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        credentials,
    ]


async def _start(name: str, args: list[str], env: dict[str, str], log_dir: Path = LOG_DIR) -> Child:
    log_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - instant, before any child
    log = log_dir / f"{name}.log"
    handle = log.open("ab")
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal reaches only us; we stop the children
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads run yet when children start
    )
    handle.close()
    return Child(name, proc, log)


async def _wait_ready(
    session: aiohttp.ClientSession,
    url: str,
    child: Child,
    timeout: float,  # noqa: ASYNC109
    expect: str,
) -> None:
    """Wait until ``url`` answers 200 with ``expect`` in its body: a port that another program
    took while ours was still loading (Rasa binds its port only after loading its model) must
    not count as ours being ready."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    stranger = ""
    while loop.time() < deadline:
        if child.proc.returncode is not None:
            tail = child.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{child.name} stopped (exit {child.proc.returncode}):\n{tail}")
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                body = await resp.text(errors="replace")
                if resp.status == 200 and expect in body:
                    return
                stranger = f" (something else answers there: HTTP {resp.status})"
        await asyncio.sleep(0.5)
    raise TimeoutError(
        f"{child.name} did not start within {timeout:.0f}s at {url}{stranger}; see {child.log}"
    )


async def _stop(children: list[Child]) -> None:
    for child in reversed(children):
        if child.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGTERM)
    for child in children:
        try:
            await asyncio.wait_for(child.proc.wait(), timeout=20)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.proc.pid, signal.SIGKILL)
            await child.proc.wait()


def _print_reply(message: dict[str, object], buttons: list[tuple[str, str]]) -> None:
    if message.get("text"):
        say(f"\033[36mGeldhulp:\033[0m {message['text']}")
    for button in message.get("buttons") or []:  # type: ignore[attr-defined]
        buttons.append((str(button["title"]), str(button["payload"])))  # type: ignore[index]
        say(f"   [{len(buttons)}] {button['title']}")  # type: ignore[index]
    custom = message.get("custom")
    if isinstance(custom, dict):
        say(f"   (voor de ontwikkelaar: {json.dumps(custom, ensure_ascii=False)})")


async def _terminal_chat(session: aiohttp.ClientSession, rasa_url: str) -> None:
    """A minimal chat in the terminal, straight to Rasa (a developer tool, not a channel)."""
    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    say("\nTerminal chat. Type a message; a number picks a button; Ctrl-C or /stop stops.\n")
    buttons: list[tuple[str, str]] = []
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()
    # add_reader instead of a thread: a blocked readline() would keep Ctrl-C from stopping us
    loop.add_reader(sys.stdin.fileno(), lambda: lines.put_nowait(sys.stdin.readline()))
    try:
        await _chat_loop(session, rasa_url, sender, lines, buttons)
    finally:
        loop.remove_reader(sys.stdin.fileno())


async def _chat_loop(
    session: aiohttp.ClientSession,
    rasa_url: str,
    sender: str,
    lines: asyncio.Queue[str],
    buttons: list[tuple[str, str]],
) -> None:
    say("Jij: ", end="")
    while True:
        line = await lines.get()
        if not line:
            return
        text = line.strip()
        if text in {"/stop", "/quit"}:
            return
        if not text:
            continue
        if text.isdigit() and 0 < int(text) <= len(buttons):
            text = buttons[int(text) - 1][1]
        buttons = []
        try:
            async with session.post(
                f"{rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text},
                timeout=aiohttp.ClientTimeout(total=30),
            ) as resp:
                replies = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            say(f"(Rasa is niet bereikbaar: {exc.__class__.__name__})")
            continue
        for message in replies:
            _print_reply(message, buttons)
        say("Jij: ", end="")


async def supervise(
    settings: Settings, *, chat: bool, gateway: bool, log_dir: Path = LOG_DIR
) -> int:
    """Start the three processes, print the URLs, then chat or wait until Ctrl-C."""
    if not MODEL.exists():
        say(f"No trained model at {MODEL}. Run `make train` (or `make run`).", err=True)
        return 1
    rasa_port = _port(settings.rasa_url.split(",")[0], 5005)
    action_port = _port(settings.action_server_url, 5055)
    env = child_env(settings)
    demo_languages = settings.is_development and not (
        settings.languages_default or settings.languages_by_municipality
    )
    if demo_languages:
        # the demo shows every language; a real deployment switches each on per municipality
        # after a native speaker reviewed its texts (docs/languages.md)
        env["GELDHULP_LANGUAGES_DEFAULT"] = ",".join(code for code in LANGUAGES if code != "nl")
    (ROOT / "var").mkdir(exist_ok=True)
    children: list[Child] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with aiohttp.ClientSession() as session:
            actions = await _start("actions", action_server_args(action_port), env, log_dir)
            children.append(actions)
            rasa = await _start("rasa", rasa_args(settings, rasa_port), env, log_dir)
            children.append(rasa)
            gateway_child = None
            if gateway:
                serve = [sys.executable, "-m", "bot", "serve"]
                gateway_child = await _start("gateway", serve, env, log_dir)
                children.append(gateway_child)
            say("Starting… (Rasa loads its model; this takes about half a minute)")
            ready = asyncio.ensure_future(
                _wait_all_ready(session, settings, actions, rasa, gateway_child)
            )
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait([ready, stopping], return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not ready.done():  # Ctrl-C while starting
                ready.cancel()
                return 0
            ready.result()
            say("\nGeldhulp is running:")
            say(f"  Rasa server     {settings.rasa_url}  (loopback only)")
            say(f"  Action server   http://127.0.0.1:{action_port}")
            if gateway_child:
                say(f"  Web chat        {settings.public_url}/chat")
                say(f"  Console         {settings.public_url}/console/")
                say(f"  Dashboard       {settings.public_url}/dashboard/")
                say(f"  Help page       {settings.public_url}/hulp/")
                say("  Demo logins (docs/console.md):")
                for line in login_lines():
                    say(f"                  {line}")
            if demo_languages:
                say("  Languages       all six on for this demo (docs/languages.md)")
            say(f"  Logs            {log_dir}/ (rasa.log, actions.log, gateway.log)")
            say("Press Ctrl-C to stop.")
            waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
            waiters += [asyncio.create_task(c.proc.wait()) for c in children]
            if chat and sys.stdin.isatty() and settings.is_development:  # REST: development only
                rasa_url = f"http://127.0.0.1:{rasa_port}"
                waiters.append(asyncio.create_task(_terminal_chat(session, rasa_url)))
            done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            for child in children:
                if child.proc.returncode is not None and not stop.is_set():
                    say(f"{child.name} stopped unexpectedly; see {child.log}", err=True)
    finally:
        say("\nStopping…")
        await _stop(children)
    return 0


async def _wait_all_ready(
    session: aiohttp.ClientSession,
    settings: Settings,
    actions: Child,
    rasa: Child,
    gateway: Child | None,
) -> None:
    action_port = _port(settings.action_server_url, 5055)
    rasa_port = _port(settings.rasa_url.split(",")[0], 5005)
    health = f"http://127.0.0.1:{action_port}/health"
    await _wait_ready(session, health, actions, 60, expect='"ok"')
    await _wait_ready(session, f"http://127.0.0.1:{rasa_port}/", rasa, 300, expect=RASA_HELLO)
    if gateway is not None:
        await _wait_ready(session, f"{settings.public_url}/healthz", gateway, 60, expect='"ok"')


def run(args: argparse.Namespace) -> int:
    """Run everything until Ctrl-C."""
    return asyncio.run(
        supervise(
            load_settings(),
            chat=not args.no_chat,
            gateway=not args.no_gateway,
            log_dir=args.log_dir,
        )
    )
