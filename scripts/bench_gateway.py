"""`make bench`: stock Rasa, our Rasa, and the product end to end, side by side in one run.

Set-ups (``--setups``), the same multi-turn conversations (written for this benchmark):
  stock-rasa    the `rasa init` configuration trained on our data (models/stock.tar.gz, trained
                here when missing), its REST channel: one HTTP round trip answers every bubble
  our-rasa      our configuration, the gateway channel (with an idempotency key)
  e2e-sqlite    the product: a Telegram webhook into one gateway process on SQLite
  e2e-postgres  the same on PostgreSQL
  cluster       two gateway processes, two Rasa replicas, PostgreSQL and Redis
  NAME@2        (our-rasa@2, e2e-sqlite@2, e2e-postgres@2) the same with two Rasa replicas on a
                PostgreSQL tracker store: one replica per core
A turn is honest in every set-up: it ends when the LAST bubble of the reply to THAT message is
there. Rasa's HTTP answers carry every bubble at once; end to end, the benchmark's fake Telegram
records every bubble per chat, and the inbox item of the message (by its Telegram update id)
says when its turn was recorded and how many bubbles the conversation has been given by then
(its outbox items, split as the channel splits them): the turn ends at the arrival of that
bubble. No guess by chat, no first bubble.

Closed loop at ``--levels`` residents (each resident writes the next message when the whole
answer arrived; a new resident after every conversation, so flood control never applies), open
loop at ``--rates`` messages/s offered, and one long conversation per resident
(``--long-turns``, one resident at a time) for the cost of turn 1, 10 and 50: it must stay flat
as a conversation grows. p50/p95/p99, throughput, the peak memory (RSS) of the stack, and the
machine's load (`uptime`) before and after each set-up. Telegram's per-chat pacing (1 message/s,
a politeness delay) is off for the measurement. Compare set-ups of ONE run: the machine may be
shared. Writes results/bench_gateway.json and prints the tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.text import split_text  # noqa: E402
from bot.storage.db import create_engine  # noqa: E402
from harness.databases import fresh_database  # noqa: E402
from harness.fakes.telegram import FakeTelegram  # noqa: E402
from harness.gateways import GatewayProcess, gateway_env  # noqa: E402
from harness.rasa_stack import RASA_CHANNEL_TOKEN, RasaStack, start_stack  # noqa: E402

STOCK_MODEL = ROOT / "models" / "stock.tar.gz"
STOCK_CONFIG = ROOT / "scripts" / "bench_stock_config.yml"
SECRET = "bench-secret"  # noqa: S105 - the fake Telegram of the benchmark
SETUPS = ("stock-rasa", "our-rasa", "e2e-sqlite", "e2e-postgres", "cluster")
LEVELS = (1, 4, 16)
RATES = (10.0,)
LONG_AT = (1, 10, 50)  # the turns of one long conversation that are reported
# conversations of residents, in their own words (written for this benchmark)
CONVERSATIONS = [
    ["hoi", "ik heb schulden", "het zijn er best veel", "wat kan ik doen", "dank je"],
    ["goedemiddag", "ik kan de huur niet betalen", "al twee maanden niet", "oke", "bedankt"],
    ["hallo", "mijn energierekening is veel te hoog", "ja klopt", "en nu", "top"],
    ["hey", "ik moet toeslag terugbetalen", "hoe zit dat", "snap ik", "fijn"],
    ["hoi", "achterstand bij de zorgverzekering", "wat kan ik doen", "ok", "thx"],
    ["dag", "er komt een deurwaarder", "wat nu", "ok dank je", "doei"],
    ["goeiemorgen", "ik heb geen geld voor boodschappen", "echt niks meer", "ok", "dankjewel"],
    ["hallo", "hoe hou ik mijn geld bij", "ik raak het overzicht kwijt", "helpt", "bedankt"],
    ["hoi", "de belasting wil geld terug", "kan ik een regeling krijgen", "oke", "dag"],
    ["hee", "ik zoek werk", "ik heb al lang geen baan", "ok", "thanks"],
    ["hallo", "wie leest dit eigenlijk", "en mijn gegevens", "ok", "fijn"],
    ["hoi", "ik heb een betalingsachterstand", "bij meerdere bedrijven", "wat nu", "top"],
]
# one long conversation: money questions over and over (the assistant answers each; nothing in
# it asks for a person), so turn 50 does the same work as turn 10
LONG = [
    "ik heb schulden",
    "ik kan de huur niet betalen",
    "mijn energierekening is veel te hoog",
    "ik moet toeslag terugbetalen",
    "achterstand bij de zorgverzekering",
    "ik heb geen geld voor boodschappen",
    "hoe hou ik mijn geld bij",
    "de belasting wil geld terug",
    "ik heb een betalingsachterstand",
    "ik zoek werk",
]
TurnFn = Callable[[str, int, str], Awaitable[float]]  # (resident, turn number, text) -> ms


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if values else 0.0


def summary(latencies: list[float], elapsed: float, failures: int) -> dict[str, float]:
    return {
        "turns": len(latencies),
        "failed": failures,
        "p50_ms": round(pct(latencies, 0.50), 1),
        "p95_ms": round(pct(latencies, 0.95), 1),
        "p99_ms": round(pct(latencies, 0.99), 1),
        "turns_per_s": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
    }


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes), as `uptime` shows them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


async def closed_loop(turn: TurnFn, residents: int, conversations: int) -> dict[str, Any]:
    """``residents`` at once, each going through whole conversations, ``conversations`` in all."""
    jobs = iter(range(conversations))
    latencies: list[float] = []
    failures = 0

    async def resident() -> None:
        nonlocal failures
        for job in jobs:
            who = f"r{uuid.uuid4().hex[:10]}"
            for n, text in enumerate(CONVERSATIONS[job % len(CONVERSATIONS)]):
                try:
                    latencies.append(await turn(who, n, text))
                except Exception as exc:  # noqa: BLE001 - counted, the benchmark goes on
                    failures += 1
                    print(f"    turn failed: {exc.__class__.__name__}: {exc}", flush=True)

    started = time.monotonic()
    await asyncio.gather(*(resident() for _ in range(residents)))
    return {"residents": residents, **summary(latencies, time.monotonic() - started, failures)}


async def open_loop(turn: TurnFn, rate: float, seconds: float) -> dict[str, Any]:
    """Messages offered at ``rate``/s whether or not the answers came (each resident writes
    about every 3 seconds, in order: a resident's next message waits for the previous one)."""
    residents = max(1, int(rate * 3))
    names = [f"o{uuid.uuid4().hex[:10]}" for _ in range(residents)]
    locks = [asyncio.Lock() for _ in range(residents)]
    turns = [0] * residents
    latencies: list[float] = []
    failures = 0

    async def send(i: int) -> None:
        nonlocal failures
        r = i % residents
        async with locks[r]:  # a resident types the next message after the previous one
            n = turns[r]
            turns[r] += 1
            text = CONVERSATIONS[r % len(CONVERSATIONS)][n % 5]
            offered = started + i / rate
            try:
                await turn(names[r], n, text)
                latencies.append((time.monotonic() - offered) * 1000)
            except Exception:  # noqa: BLE001
                failures += 1

    started = time.monotonic()
    tasks = []
    for i in range(int(rate * seconds)):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {"offered_per_s": rate, **summary(latencies, elapsed, failures)}


async def long_conversations(turn: TurnFn, turns: int, residents: int) -> dict[str, Any]:
    """One resident at a time writes ``turns`` messages in one conversation; the cost of turn 1,
    10, 50 (each the median over the residents of that turn and its two neighbours)."""
    per_turn: list[list[float]] = [[] for _ in range(turns)]
    failures = 0
    for _ in range(residents):
        who = f"l{uuid.uuid4().hex[:10]}"
        for n in range(turns):
            try:
                per_turn[n].append(await turn(who, n, LONG[n % len(LONG)]))
            except Exception:  # noqa: BLE001
                failures += 1
    at: dict[str, float] = {}
    for k in LONG_AT:
        if k > turns:
            continue
        window = [v for i in range(max(1, k - 1), min(turns, k + 1) + 1) for v in per_turn[i - 1]]
        at[str(k)] = round(statistics.median(window), 1) if window else 0.0
    return {"turns": turns, "residents": residents, "failed": failures, "p50_ms_at_turn": at}


# --- targets ------------------------------------------------------------------------------------


def rest_turn(http: aiohttp.ClientSession, urls: list[str]) -> TurnFn:
    """Stock Rasa's REST channel: the answer holds every bubble."""

    async def turn(who: str, n: int, text: str) -> float:
        t0 = time.monotonic()
        async with http.post(
            f"{urls[hash(who) % len(urls)]}/webhooks/rest/webhook",
            json={"sender": who, "message": text},
            timeout=aiohttp.ClientTimeout(total=120),
        ) as resp:
            resp.raise_for_status()
            await resp.read()
        return (time.monotonic() - t0) * 1000

    return turn


def gateway_channel_turn(http: aiohttp.ClientSession, urls: list[str]) -> TurnFn:
    """Our Rasa alone, through the gateway channel: the answer holds every bubble."""

    async def turn(who: str, n: int, text: str) -> float:
        t0 = time.monotonic()
        async with http.post(
            f"{urls[hash(who) % len(urls)]}/webhooks/gateway/webhook",
            json={"sender": who, "message": text, "message_id": f"{who}-{n}", "metadata": {}},
            headers={"X-Geldhulp-Token": RASA_CHANNEL_TOKEN},
            timeout=aiohttp.ClientTimeout(total=120),
        ) as resp:
            resp.raise_for_status()
            data = await resp.json()
        if not data.get("messages"):
            raise RuntimeError("Rasa answered no message")
        return (time.monotonic() - t0) * 1000

    return turn


@dataclass
class Chat:
    """What one resident's chat at the fake Telegram received: every bubble's arrival time."""

    arrivals: list[float] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    items: int = 0  # the conversation's outbox items at the end of the last turn


@dataclass
class TelegramTurns:
    """Webhooks into gateways; a turn ends when the last bubble of the reply to that message
    reached the fake Telegram.

    The record of a turn (its inbox item done, its replies in the outbox) is one transaction,
    committed before the first of its bubbles can be sent. So once the message's inbox item is
    done, the conversation's outbox items say how many bubbles the chat has had by the end of
    this turn; the turn ends at the arrival of the last of them. A "Het duurt even…" (Rasa
    slow: the item is not done yet) does not end a turn.
    """

    http: aiohttp.ClientSession
    telegram: FakeTelegram
    urls: list[str]
    engine: AsyncEngine
    chats: dict[int, Chat] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    lookups: int = 0
    redeliver: float = 0.0  # seconds to go on offering a refused webhook, as Telegram does
    patience: float = 120.0  # seconds to wait for a full answer

    def __post_init__(self) -> None:
        self.telegram.listeners.append(self._sent)

    def _sent(self, record: dict[str, Any]) -> None:
        chat = self.chats.setdefault(int(record["chat_id"]), Chat())
        chat.arrivals.append(record["_t"])
        chat.changed.set()

    async def _bubbles_when_done(self, update_id: int, chat: Chat) -> tuple[int, int] | None:
        """(the bubbles of this message's reply, the conversation's outbox items) once its turn
        is done; None while it is not. The reply is the outbox items made since the last turn:
        counted per item, not per chat, so a bubble an earlier turn's item sent twice (the
        crash window after a kill) is not taken for part of this reply."""
        self.lookups += 1
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sql("SELECT status, conversation_id FROM inbox WHERE dedupe_key = :k"),
                    {"k": f"telegram:{update_id}"},
                )
            ).first()
            if row is None:
                raise RuntimeError(f"no inbox item for update {update_id}")
            if row[0] == "pending":
                return None
            if row[0] != "done" or row[1] is None:
                raise RuntimeError(f"inbox item of update {update_id} is {row[0]}")
            texts = (
                await conn.execute(
                    sql(
                        "SELECT m.text FROM outbox o JOIN messages m ON m.id = o.message_id "
                        "WHERE o.conversation_id = :c ORDER BY o.id"
                    ),
                    {"c": row[1]},
                )
            ).scalars()
            items = list(texts)
            return sum(len(split_text(t or " ")) for t in items[chat.items :]), len(items)

    async def _post(self, chat_id: int, body: dict[str, Any], t0: float) -> None:
        """The webhook, to the chat's gateway; with ``redeliver``, a refused or failed one is
        offered again (to the next gateway) until it is accepted, as Telegram does."""
        for attempt in itertools.count():
            url = self.urls[(chat_id + attempt) % len(self.urls)]
            try:
                async with self.http.post(
                    f"{url}/webhooks/telegram",
                    json=body,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    timeout=aiohttp.ClientTimeout(total=60),
                ) as resp:
                    resp.raise_for_status()
                    return
            except (aiohttp.ClientError, TimeoutError):
                if time.monotonic() - t0 > self.redeliver:
                    raise
                await asyncio.sleep(0.5)

    async def _state(self, update_id: int) -> str:
        """What the database says about a message whose answer did not come (diagnosis)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sql(
                        "SELECT status, conversation_id, attempts FROM inbox WHERE dedupe_key = :k"
                    ),
                    {"k": f"telegram:{update_id}"},
                )
            ).first()
            if row is None:
                return "no inbox item"
            items = (
                await conn.execute(
                    sql(
                        "SELECT id, status, attempts, sending_at IS NOT NULL, lease_owner IS NOT "
                        "NULL, last_error FROM outbox WHERE conversation_id = :c ORDER BY id"
                    ),
                    {"c": row[1]},
                )
            ).all()
        return f"inbox {tuple(row)}; outbox {[tuple(i) for i in items]}"

    async def turn(self, who: str, n: int, text: str) -> float:
        chat_id = self.names.setdefault(who, 10_000_000 + len(self.names))
        chat = self.chats.setdefault(chat_id, Chat())
        before = len(chat.arrivals)
        update_id = next(self.ids)
        body = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "text": text,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Bench"},
            },
        }
        t0 = time.monotonic()
        await self._post(chat_id, body, t0)
        deadline = t0 + self.patience
        done: tuple[int, int] | None = None  # (bubbles of this reply, outbox items)
        while True:
            chat.changed.clear()
            if done is None and len(chat.arrivals) > before:
                done = await self._bubbles_when_done(update_id, chat)  # a bubble came: whose?
            if done is not None and len(chat.arrivals) >= before + done[0]:
                if done[0] == 0:
                    raise RuntimeError("the message was answered with no bubble")
                chat.items = done[1]
                return (chat.arrivals[before + done[0] - 1] - t0) * 1000
            left = deadline - time.monotonic()
            if left <= 0:
                state = await self._state(update_id)
                raise TimeoutError(
                    f"no full answer to update {update_id}: {len(chat.arrivals) - before} "
                    f"bubbles this turn, expected {done[0] if done else None}; {state}"
                )
            try:  # the next bubble; now and then a look in case no bubble comes at all
                await asyncio.wait_for(chat.changed.wait(), timeout=min(left, 5.0))
            except TimeoutError:
                if done is None:
                    done = await self._bubbles_when_done(update_id, chat)


# --- memory -------------------------------------------------------------------------------------


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for candidate in [pid, *children(pid)]:
            try:
                for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
    return round(total / 1024, 1)


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *children(int(child))]
    except OSError:
        pass
    return found


class PeakMemory:
    """Samples the RSS of a set of processes every half second; keeps the peak."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids, self.peak = pids, 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self._pids()))
            await asyncio.sleep(0.5)

    def __enter__(self) -> PeakMemory:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()


# --- set-ups ------------------------------------------------------------------------------------


@contextlib.contextmanager
def profiled(name: str, parts: dict[str, int], folder: Path | None) -> Any:
    """py-spy on each part (gateway, rasa, actions) while the block runs: collapsed stacks in
    ``folder``/<set-up>-<part>.txt (`--profile`; py-spy is not a dependency of the project)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    spies = [
        subprocess.Popen(  # noqa: S603
            [
                os.environ.get("PY_SPY", "py-spy"),
                "record",
                "--nonblocking",
                "--subprocesses",
                "--rate",
                "50",
                "--format",
                "raw",
                "--pid",
                str(pid),
                "--output",
                str(folder / f"{name}-{part}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for part, pid in parts.items()
    ]
    try:
        yield
    finally:
        for spy in spies:
            spy.send_signal(2)  # SIGINT: py-spy writes what it has
        for spy in spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=30)


async def measure(
    name: str,
    turn: TurnFn,
    pids: Callable[[], list[int]],
    args: argparse.Namespace,
    parts: dict[str, int] | None = None,
) -> dict[str, Any]:
    print(f"\n[{name}] load {load()}", flush=True)
    result: dict[str, Any] = {"setup": name, "load_before": load(), "closed": [], "open": []}
    with PeakMemory(pids) as memory:
        await closed_loop(turn, 2, 2)  # warm-up: the first turns load lazily
        await _measured(name, turn, args, result, parts or {})
    result["peak_rss_mb"] = memory.peak
    result["load_after"] = load()
    return result


async def _measured(
    name: str,
    turn: TurnFn,
    args: argparse.Namespace,
    result: dict[str, Any],
    parts: dict[str, int],
) -> None:
    with profiled(name, parts, args.profile):
        for residents in args.levels:
            conversations = max(args.conversations, residents * args.rounds)
            level = await closed_loop(turn, residents, conversations)
            result["closed"].append(level)
            print(f"  closed {residents:>3}: {level}", flush=True)
        for rate in args.rates:
            level = await open_loop(turn, rate, args.seconds)
            result["open"].append(level)
            print(f"  open {rate:>4}/s: {level}", flush=True)
        if args.long_turns:
            result["long"] = await long_conversations(turn, args.long_turns, args.long_residents)
            print(f"  long: {result['long']}", flush=True)


def ensure_stock_model() -> None:
    if STOCK_MODEL.exists():
        return
    print("Training the stock-Rasa model (the `rasa init` configuration on our data)…", flush=True)
    subprocess.run(  # noqa: S603
        [
            str(ROOT / ".venv-rasa" / "bin" / "rasa"),
            "train",
            "--domain",
            "domain",
            "--data",
            "nlu_data",
            "stories",
            "--config",
            str(STOCK_CONFIG),
            "--fixed-model-name",
            "stock",
            "--out",
            "models",
            "--quiet",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )


@contextlib.asynccontextmanager
async def database(backend: str, work: Path, *, migrated: bool = True) -> AsyncIterator[str]:
    """A fresh database (made in a thread: its helper runs its own event loop)."""
    manager = fresh_database(backend, work, migrated=migrated)
    url = await asyncio.to_thread(manager.__enter__)
    try:
        yield url
    finally:
        await asyncio.to_thread(manager.__exit__, None, None, None)


@contextlib.asynccontextmanager
async def rasa_stack(
    work: Path, replicas: int, model: Path | None = None
) -> AsyncIterator[RasaStack]:
    """An action server and ``replicas`` Rasa replicas (several: a PostgreSQL tracker store)."""
    kwargs: dict[str, Any] = {"replicas": replicas}
    if model is not None:
        kwargs["model"] = model
    async with contextlib.AsyncExitStack() as stack_of:
        if replicas > 1:
            tracker = await stack_of.enter_async_context(database("postgres", work, migrated=False))
            kwargs["tracker_url"] = tracker.replace("postgresql+asyncpg://", "postgresql://")
        stack = await asyncio.to_thread(start_stack, work, **kwargs)
        try:
            yield stack
        finally:
            await asyncio.to_thread(stack.stop)


def stack_pids(stack: RasaStack) -> list[int]:
    return [p.pid for p in stack.procs if p.poll() is None]


def stack_parts(stack: RasaStack) -> dict[str, int]:
    """The stack's processes by part: actions, rasa, rasa1…"""
    parts = {"actions": stack.procs[0].pid}
    for i, proc in enumerate(stack.procs[1:]):
        parts[f"rasa{i or ''}"] = proc.pid
    return parts


def split_setup(name: str) -> tuple[str, int]:
    """``e2e-sqlite@2`` -> ("e2e-sqlite", 2): a set-up with two Rasa replicas."""
    base, _, replicas = name.partition("@")
    return base, int(replicas or 1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    if "stock-rasa" in args.setups:
        ensure_stock_model()
    results: list[dict[str, Any]] = []
    # set-ups that share a Rasa stack run on it one after another
    groups: dict[tuple[str, int], list[str]] = {}
    for name in args.setups:
        base, replicas = split_setup(name)
        kind = "stock" if base == "stock-rasa" else "cluster" if base == "cluster" else "ours"
        groups.setdefault((kind, 2 if kind == "cluster" else replicas), []).append(name)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0)
        ) as http:
            for (kind, replicas), names in groups.items():
                model = STOCK_MODEL if kind == "stock" else None
                async with rasa_stack(work / f"{kind}-{replicas}", replicas, model) as stack:
                    for name in names:
                        base, _ = split_setup(name)
                        if base == "stock-rasa":
                            turn = rest_turn(http, stack.rasa_urls)
                        elif base == "our-rasa":
                            turn = gateway_channel_turn(http, stack.rasa_urls)
                        else:
                            backend = "sqlite" if base == "e2e-sqlite" else "postgres"
                            gateways = 2 if base == "cluster" else 1
                            results.append(
                                await e2e(http, work, backend, stack, gateways, args, name)
                            )
                            continue
                        results.append(
                            await measure(
                                name,
                                turn,
                                functools.partial(stack_pids, stack),
                                args,
                                stack_parts(stack),
                            )
                        )
    return {
        "started": started,
        "machine": {"cpus": os.cpu_count()},
        "turn": "the last bubble of the reply to that message (Rasa: the HTTP answer holds all; "
        "end to end: the bubble count of the message's inbox item, at the fake Telegram)",
        "results": results,
    }


async def e2e(
    http: aiohttp.ClientSession,
    work: Path,
    backend: str,
    stack: RasaStack,
    gateways: int,
    args: argparse.Namespace,
    name: str,
) -> dict[str, Any]:
    telegram = await FakeTelegram().start()
    async with database(backend, work) as url:
        env = gateway_env(
            database_url=url,
            redis_url="redis://127.0.0.1:6379/0" if gateways > 1 else "",
            redis_prefix=f"bench-{uuid.uuid4().hex[:6]}:",
            rasa_urls=stack.rasa_urls,
            telegram_base_url=telegram.base_url,
            telegram_token=telegram.token,
            telegram_secret=SECRET,
            pacing="telegram=0",
        )
        env["GELDHULP_RASA_TIMEOUT"] = "30"
        procs = [GatewayProcess(env, work / f"gw-{name}-{i}.log") for i in range(gateways)]
        await asyncio.gather(*(asyncio.to_thread(p.start) for p in procs))
        engine = create_engine(url, pool_size=4) if backend == "postgres" else create_engine(url)
        try:
            turns = TelegramTurns(http, telegram, [p.url for p in procs], engine)

            def pids() -> list[int]:
                return stack_pids(stack) + [p.proc.pid for p in procs if p.proc is not None]

            parts = stack_parts(stack)
            for i, p in enumerate(procs):
                if p.proc is not None:
                    parts[f"gateway{i or ''}"] = p.proc.pid
            result = await measure(name, turns.turn, pids, args, parts)
            result["lookups"] = turns.lookups
            return result
        finally:
            await engine.dispose()
            for p in procs:
                await asyncio.to_thread(p.stop)
            await telegram.close()


# --- the tables ---------------------------------------------------------------------------------


def cell(x: dict[str, Any]) -> str:
    return f"{x['turns_per_s']}/s, {x['p50_ms']:.0f}/{x['p95_ms']:.0f}"


def table(data: dict[str, Any]) -> str:
    """The results as Markdown tables (they go into docs/gateway.md as they are)."""
    results = data["results"]
    levels = [x["residents"] for x in results[0]["closed"]] if results else []
    lines = [
        "Closed loop (residents at once): turns/s and p50/p95 ms, a turn ending at its last bubble",
        "",
        "| set-up | " + " | ".join(f"{n} resident{'s' if n > 1 else ''}" for n in levels) + " |",
        "|---" * (len(levels) + 1) + "|",
    ]
    for r in results:
        lines.append(f"| {r['setup']} | " + " | ".join(cell(x) for x in r["closed"]) + " |")
    rates = [x["offered_per_s"] for x in results[0]["open"]] if results else []
    long_at = [
        k
        for k in LONG_AT
        if results and str(k) in results[0].get("long", {}).get("p50_ms_at_turn", {})
    ]
    lines += [
        "",
        "Open loop (messages/s offered: achieved/s, p50/p95 ms), one long conversation (p50 ms of "
        "turn n), peak RSS of the stack, load before/after",
        "",
        "| set-up | "
        + "".join(f"{r:g}/s offered | " for r in rates)
        + "".join(f"turn {k} | " for k in long_at)
        + "peak RSS | load |",
        "|---" * (len(rates) + len(long_at) + 3) + "|",
    ]
    for r in results:
        at = r.get("long", {}).get("p50_ms_at_turn", {})
        lines.append(
            f"| {r['setup']} | "
            + "".join(f"{cell(x)} | " for x in r["open"])
            + "".join(f"{at.get(str(k), 0):.0f} | " for k in long_at)
            + f"{r['peak_rss_mb']:.0f} MB | {r['load_before']} → {r['load_after']} |"
        )
    by = {r["setup"]: r for r in results}
    notes = []
    for ours in ("e2e-sqlite", "e2e-postgres"):
        if ours in by and "stock-rasa" in by:
            for mine, stock in zip(by[ours]["closed"], by["stock-rasa"]["closed"], strict=False):
                if mine["residents"] == 16:
                    ratio = mine["turns_per_s"] / max(stock["turns_per_s"], 0.01)
                    notes.append(
                        f"{ours} at 16 residents: {ratio:.2f}× stock Rasa's turns/s, p95 "
                        f"{mine['p95_ms']:.0f} against {stock['p95_ms']:.0f} ms"
                    )
                    data.setdefault("ratios_at_16", {})[ours] = round(ratio, 2)
        if ours in by and "our-rasa" in by:
            gap = by[ours]["closed"][0]["p50_ms"] - by["our-rasa"]["closed"][0]["p50_ms"]
            notes.append(f"{ours} at 1 resident: the full reply {gap:.0f} ms after our Rasa alone")
            data.setdefault("gateway_overhead_p50_ms", {})[ours] = round(gap, 1)
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


def main() -> int:
    # the stock bot runs Rasa's own command, which has telemetry on unless told (our Rasa goes
    # through rasa_addons.rasa_main, which turns it off): every child inherits this
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", nargs="*", default=list(SETUPS))
    parser.add_argument("--levels", nargs="*", type=int, default=list(LEVELS))
    parser.add_argument("--rates", nargs="*", type=float, default=list(RATES))
    parser.add_argument("--conversations", type=int, default=16, help="per closed-loop level")
    parser.add_argument(
        "--rounds", type=int, default=3, help="at least this many conversations per resident"
    )
    parser.add_argument("--seconds", type=float, default=10, help="per open-loop rate")
    parser.add_argument("--long-turns", type=int, default=50, help="0: no long conversation")
    parser.add_argument("--long-residents", type=int, default=2)
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy every part into this folder"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_gateway.json")
    args = parser.parse_args()
    data = asyncio.run(run(args))
    text = table(data)
    print("\n" + text)
    data["table"] = text
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
