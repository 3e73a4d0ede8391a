"""`make bench`: stock Rasa, our Rasa, and the product end to end, side by side in one run.

Five set-ups, the same multi-turn conversations (written for this benchmark):
  stock-rasa   the `rasa init` configuration trained on our data (models/stock.tar.gz, trained
               here when missing), its REST channel: one HTTP round trip per message
  our-rasa     our configuration, the gateway channel (with an idempotency key)
  e2e-sqlite   the product: a Telegram webhook into one gateway process on SQLite, until the
               first reply bubble reaches the fake Telegram API
  e2e-postgres the same on PostgreSQL
  cluster      two gateway processes, two Rasa replicas, PostgreSQL and Redis
Closed loop at 1, 4, 16 and 64 residents (each resident starts the next message when the first
bubble of the answer arrived; a new resident after every conversation, so flood control never
applies) and open loop at 10, 20 and 40 messages/s offered; p50/p95/p99 and throughput; the
peak memory (RSS) of the stack's processes. Telegram's per-chat pacing (1 message/s, a
politeness delay) is off for the measurement. The machine is shared: run it on a quiet one.
Writes results/bench_gateway.json.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from tests.support.gateways import GatewayProcess, gateway_env  # noqa: E402
from tests.support.rasa_stack import RASA_CHANNEL_TOKEN, RasaStack, start_stack  # noqa: E402

STOCK_MODEL = ROOT / "models" / "stock.tar.gz"
STOCK_CONFIG = ROOT / "scripts" / "bench_stock_config.yml"
SECRET = "bench-secret"  # noqa: S105 - the fake Telegram of the benchmark
LEVELS = (1, 4, 16, 64)
RATES = (10, 20, 40)
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


async def closed_loop(turn: TurnFn, residents: int, conversations: int) -> dict[str, float]:
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
                except Exception:  # noqa: BLE001 - counted, the benchmark goes on
                    failures += 1

    started = time.monotonic()
    await asyncio.gather(*(resident() for _ in range(residents)))
    return {"residents": residents, **summary(latencies, time.monotonic() - started, failures)}


async def open_loop(turn: TurnFn, rate: float, seconds: float) -> dict[str, float]:
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


# --- targets ------------------------------------------------------------------------------------


def rest_turn(http: aiohttp.ClientSession, url: str) -> TurnFn:
    async def turn(who: str, n: int, text: str) -> float:
        t0 = time.monotonic()
        async with http.post(
            f"{url}/webhooks/rest/webhook",
            json={"sender": who, "message": text},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as resp:
            resp.raise_for_status()
            await resp.read()
        return (time.monotonic() - t0) * 1000

    return turn


def gateway_channel_turn(http: aiohttp.ClientSession, url: str) -> TurnFn:
    async def turn(who: str, n: int, text: str) -> float:
        t0 = time.monotonic()
        async with http.post(
            f"{url}/webhooks/gateway/webhook",
            json={"sender": who, "message": text, "message_id": f"{who}-{n}", "metadata": {}},
            headers={"X-Geldhulp-Token": RASA_CHANNEL_TOKEN},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as resp:
            resp.raise_for_status()
            await resp.read()
        return (time.monotonic() - t0) * 1000

    return turn


@dataclass
class TelegramTurns:
    """Webhooks into gateways; a turn ends when its first bubble reaches the fake Telegram."""

    http: aiohttp.ClientSession
    telegram: FakeTelegram
    urls: list[str]
    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)
    chats: dict[str, int] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.telegram.listeners.append(self._sent)

    def _sent(self, record: dict[str, Any]) -> None:
        future = self.waiting.pop(int(record["chat_id"]), None)
        if future is not None and not future.done():
            future.set_result(record["_t"])

    async def turn(self, who: str, n: int, text: str) -> float:
        chat = self.chats.setdefault(who, 10_000_000 + len(self.chats))
        update_id = next(self.ids)
        body = {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "text": text,
                "chat": {"id": chat, "type": "private"},
                "from": {"id": chat, "is_bot": False, "first_name": "Bench"},
            },
        }
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[chat] = future
        t0 = time.monotonic()
        url = self.urls[chat % len(self.urls)]
        async with self.http.post(
            f"{url}/webhooks/telegram",
            json=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            timeout=aiohttp.ClientTimeout(total=60),
        ) as resp:
            resp.raise_for_status()
        first = await asyncio.wait_for(future, timeout=120)
        return (first - t0) * 1000


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


async def measure(
    name: str, turn: TurnFn, pids: Callable[[], list[int]], args: argparse.Namespace
) -> dict[str, Any]:
    print(f"\n[{name}]", flush=True)
    result: dict[str, Any] = {"setup": name, "closed": [], "open": []}
    with PeakMemory(pids) as memory:
        await closed_loop(turn, 2, 2)  # warm-up: the first turns load lazily
        for residents in args.levels:
            level = await closed_loop(turn, residents, max(args.conversations, residents))
            result["closed"].append(level)
            print(f"  closed {residents:>3}: {level}", flush=True)
        for rate in args.rates:
            level = await open_loop(turn, rate, args.seconds)
            result["open"].append(level)
            print(f"  open {rate:>4}/s: {level}", flush=True)
    result["peak_rss_mb"] = memory.peak
    return result


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


def stack_pids(stack: RasaStack) -> list[int]:
    return [p.pid for p in stack.procs if p.poll() is None]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    if "stock-rasa" in args.setups:
        ensure_stock_model()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=0)
        ) as http:
            if "stock-rasa" in args.setups:
                stack = await asyncio.to_thread(start_stack, work / "stock", model=STOCK_MODEL)
                try:
                    results.append(
                        await measure(
                            "stock-rasa",
                            rest_turn(http, stack.rasa_url),
                            lambda: stack_pids(stack),
                            args,
                        )
                    )
                finally:
                    stack.stop()
            single = {"our-rasa", "e2e-sqlite", "e2e-postgres"} & set(args.setups)
            if single:
                stack = await asyncio.to_thread(start_stack, work / "ours")
                try:
                    if "our-rasa" in args.setups:
                        results.append(
                            await measure(
                                "our-rasa",
                                gateway_channel_turn(http, stack.rasa_url),
                                lambda: stack_pids(stack),
                                args,
                            )
                        )
                    for backend in ("sqlite", "postgres"):
                        if f"e2e-{backend}" in args.setups:
                            results.append(await e2e(http, work, backend, stack, 1, args))
                finally:
                    stack.stop()
            if "cluster" in args.setups:
                with fresh_database("postgres", work, migrated=False) as tracker:
                    sync = tracker.replace("postgresql+asyncpg://", "postgresql://")
                    stack = await asyncio.to_thread(
                        start_stack, work / "cluster", replicas=2, tracker_url=sync
                    )
                    try:
                        results.append(await e2e(http, work, "postgres", stack, 2, args, "cluster"))
                    finally:
                        stack.stop()
    return {
        "results": results,
        "turn": "first reply bubble at the fake Telegram (e2e), full HTTP answer (Rasa)",
    }


async def e2e(
    http: aiohttp.ClientSession,
    work: Path,
    backend: str,
    stack: RasaStack,
    gateways: int,
    args: argparse.Namespace,
    name: str | None = None,
) -> dict[str, Any]:
    telegram = await FakeTelegram().start()
    with fresh_database(backend, work) as url:
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
        procs = [GatewayProcess(env, work / f"gw-{backend}-{i}.log") for i in range(gateways)]
        await asyncio.gather(*(asyncio.to_thread(p.start) for p in procs))
        try:
            turns = TelegramTurns(http, telegram, [p.url for p in procs])

            def pids() -> list[int]:
                return stack_pids(stack) + [p.proc.pid for p in procs if p.proc is not None]

            return await measure(name or f"e2e-{backend}", turns.turn, pids, args)
        finally:
            for p in procs:
                p.stop()
            await telegram.close()


def print_table(data: dict[str, Any]) -> None:
    print("\nclosed loop (residents at once): turns/s, p50/p95/p99 ms")
    header = f"{'set-up':<14}" + "".join(f"{n:>24}" for n in LEVELS)
    print(header)
    for r in data["results"]:
        cells = "".join(
            f"{x['turns_per_s']:>7}/s {x['p50_ms']:>5}/{x['p95_ms']:>5}/{x['p99_ms']:>5}"
            for x in r["closed"]
        )
        print(f"{r['setup']:<14}{cells}")
    print("\nopen loop (messages/s offered): achieved/s, p50/p95/p99 ms; peak RSS of the stack")
    for r in data["results"]:
        cells = "".join(
            f"{x['turns_per_s']:>7}/s {x['p50_ms']:>5}/{x['p95_ms']:>5}/{x['p99_ms']:>5}"
            for x in r["open"]
        )
        print(f"{r['setup']:<14}{cells}   {r['peak_rss_mb']} MB")
    by = {r["setup"]: r for r in data["results"]}
    if "our-rasa" in by and "e2e-postgres" in by:
        overhead = by["e2e-postgres"]["closed"][0]["p50_ms"] - by["our-rasa"]["closed"][0]["p50_ms"]
        print(f"\ngateway overhead, p50 at 1 resident (e2e-postgres − our-rasa): {overhead:.1f} ms")
        data["gateway_overhead_p50_ms"] = round(overhead, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--setups",
        nargs="*",
        default=["stock-rasa", "our-rasa", "e2e-sqlite", "e2e-postgres", "cluster"],
    )
    parser.add_argument("--levels", nargs="*", type=int, default=list(LEVELS))
    parser.add_argument("--rates", nargs="*", type=float, default=list(RATES))
    parser.add_argument("--conversations", type=int, default=16, help="per closed-loop level")
    parser.add_argument("--seconds", type=float, default=15, help="per open-loop rate")
    args = parser.parse_args()
    data = asyncio.run(run(args))
    print_table(data)
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench_gateway.json").write_text(
        json.dumps(data, indent=2), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
