"""`make soak`: the cluster at a steady load for N minutes, with random kills; a benchmark.

Two gateway processes, two Rasa replicas on a PostgreSQL tracker store, one action server,
PostgreSQL for our tables, Redis (127.0.0.1:6379, this run's own key prefix) and the
benchmark's fake Telegram (pacing off, as in `make bench`). ``--residents`` residents chat at
once, each writing its next message a few seconds (``--think``) after the whole answer to the
previous one arrived (a turn ends at its last bubble: scripts/bench_gateway.py); every five
messages a new resident takes over, so conversations start all the time. Every
``--kill-every`` seconds (on average) one gateway or one Rasa replica is killed with -9 and
started again after ``--down`` seconds; a webhook that a dead gateway refused is offered again
to the other one, as Telegram redelivers.

Printed every minute: turns, p50/p95 latency of that minute, the RSS of the gateways, the Rasa
replicas and the action server. At the end: lost (a message whose full answer never came, or
an inbox/outbox item not done), doubled (bubbles a chat got beyond its outbox items: resends),
the resends the outbox recorded (only items that were "sending" at a kill may go out twice),
p50/p95 overall, and the RSS trend. ``SOAK_MINUTES`` (or ``--minutes``) sets the length; 30 by
default. Writes results/soak.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text as sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_gateway import (  # noqa: E402
    CONVERSATIONS,
    SECRET,
    TelegramTurns,
    database,
    load,
    pct,
    rasa_stack,
    rss_mb,
)

from bot.channels.text import split_text  # noqa: E402
from bot.storage.db import create_engine  # noqa: E402
from harness.fakes.telegram import FakeTelegram  # noqa: E402
from harness.gateways import GatewayProcess, gateway_env  # noqa: E402
from harness.rasa_stack import RasaStack  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


class Soak:
    """The load, the kills and the samples of one run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.latencies: list[tuple[float, float]] = []  # (when, ms)
        self.lost: list[str] = []
        self.kills: list[dict[str, Any]] = []
        self.samples: list[dict[str, Any]] = []
        self.stop = asyncio.Event()
        self.rng = random.Random(args.seed)

    async def resident(self, turns: TelegramTurns) -> None:
        while not self.stop.is_set():
            who = f"s{uuid.uuid4().hex[:10]}"
            for n, text in enumerate(self.rng.choice(CONVERSATIONS)):
                if self.stop.is_set():
                    return
                try:
                    ms = await turns.turn(who, n, text)
                    self.latencies.append((time.monotonic(), ms))
                except Exception as exc:  # noqa: BLE001 - a lost message is the result
                    self.lost.append(f"{who} turn {n}: {exc.__class__.__name__}: {exc}")
                    print(f"  LOST {self.lost[-1]}", flush=True)
                lo, hi = self.args.think
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), self.rng.uniform(lo, hi))

    async def killer(self, gateways: list[GatewayProcess], stack: RasaStack) -> None:
        """Now and then kill -9 a gateway or a Rasa replica, and start it again."""
        while not self.stop.is_set():
            wait = self.rng.uniform(0.5, 1.5) * self.args.kill_every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), wait)
            if self.stop.is_set():
                return
            if self.rng.random() < 0.5:
                i = self.rng.randrange(len(gateways))
                what = f"gateway {i}"
                gateways[i].kill()
                kill = {"at_s": round(time.monotonic() - self.started, 1), "what": what}
                print(f"  kill -9 {what} at {kill['at_s']} s", flush=True)
                await asyncio.sleep(self.args.down)
                await asyncio.to_thread(gateways[i].start)
            else:
                i = self.rng.randrange(len(stack.rasa_urls))
                what = f"rasa replica {i}"
                proc = stack.procs[1 + i]
                proc.kill()
                await asyncio.to_thread(proc.wait)
                kill = {"at_s": round(time.monotonic() - self.started, 1), "what": what}
                print(f"  kill -9 {what} at {kill['at_s']} s", flush=True)
                await asyncio.sleep(self.args.down)
                await asyncio.to_thread(stack.start_rasa, i)
            kill["back_s"] = round(time.monotonic() - self.started, 1)
            self.kills.append(kill)
            print(f"  {what} back at {kill['back_s']} s", flush=True)

    async def sampler(self, gateways: list[GatewayProcess], stack: RasaStack) -> None:
        """Every minute: turns, p50/p95 of that minute, RSS per part."""
        last = time.monotonic()
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), self.args.sample)
            now = time.monotonic()
            window = [ms for when, ms in self.latencies if last <= when < now]
            last = now
            sample = {
                "minute": round((now - self.started) / 60, 1),
                "turns": len(window),
                "p50_ms": round(pct(window, 0.5)),
                "p95_ms": round(pct(window, 0.95)),
                "rss_mb": {
                    "gateways": rss_mb([g.proc.pid for g in gateways if g.proc is not None]),
                    "rasa": rss_mb([p.pid for p in stack.procs[1:]]),
                    "actions": rss_mb([stack.procs[0].pid]),
                },
                "load": load(),
            }
            self.samples.append(sample)
            print(f"  {json.dumps(sample)}", flush=True)

    async def run(self) -> dict[str, Any]:
        args = self.args
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            async with (
                rasa_stack(work / "rasa", 2) as stack,
                database("postgres", work) as url,
                aiohttp.ClientSession() as http,
            ):
                telegram = await FakeTelegram().start()
                env = gateway_env(
                    database_url=url,
                    redis_url=REDIS_URL,
                    redis_prefix=f"soak-{uuid.uuid4().hex[:6]}:",
                    rasa_urls=stack.rasa_urls,
                    telegram_base_url=telegram.base_url,
                    telegram_token=telegram.token,
                    telegram_secret=SECRET,
                    pacing="telegram=0",
                )
                env["GELDHULP_RASA_TIMEOUT"] = "30"
                gateways = [GatewayProcess(env, work / f"gateway-{i}.log") for i in range(2)]
                await asyncio.gather(*(asyncio.to_thread(g.start) for g in gateways))
                engine = create_engine(url, pool_size=4)
                turns = TelegramTurns(http, telegram, [g.url for g in gateways], engine)
                turns.redeliver, turns.patience = 300.0, 300.0
                try:
                    print(
                        f"soak: {args.minutes} min, {args.residents} residents, think "
                        f"{args.think[0]}-{args.think[1]} s, a kill every ~{args.kill_every} s "
                        f"(load {load()})",
                        flush=True,
                    )
                    self.started = time.monotonic()
                    tasks = [
                        asyncio.create_task(self.resident(turns)) for _ in range(args.residents)
                    ]
                    tasks += [
                        asyncio.create_task(self.sampler(gateways, stack)),
                        asyncio.create_task(self.killer(gateways, stack)),
                    ]
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stop.wait(), args.minutes * 60)
                    self.stop.set()
                    await asyncio.gather(*tasks)
                    for g in gateways:  # a gateway the killer left down comes back to finish
                        if g.proc is None or g.proc.poll() is not None:
                            await asyncio.to_thread(g.start)
                    ledger = await self.settle(engine, telegram, turns)
                finally:
                    await engine.dispose()
                    for g in gateways:
                        await asyncio.to_thread(g.stop)
                    await telegram.close()
        return self.report(ledger)

    async def settle(
        self, engine: Any, telegram: FakeTelegram, turns: TelegramTurns
    ) -> dict[str, Any]:
        """Wait (bounded) until nothing is pending; then count what was lost and doubled."""
        deadline = time.monotonic() + 180
        while True:
            async with engine.connect() as conn:
                pending = (
                    await conn.execute(
                        sql(
                            "SELECT (SELECT count(*) FROM inbox WHERE status <> 'done'),"
                            " (SELECT count(*) FROM outbox WHERE status <> 'sent')"
                        )
                    )
                ).one()
            if (pending[0] == 0 and pending[1] == 0) or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sql(
                        "SELECT i.address, m.text, o.resends FROM outbox o"
                        " JOIN messages m ON m.id = o.message_id"
                        " JOIN conversations c ON c.id = o.conversation_id"
                        " JOIN channel_identities i ON i.id = c.identity_id"
                    )
                )
            ).all()
        expected: dict[str, int] = {}
        resends = 0
        for address, text, item_resends in rows:
            expected[str(address)] = expected.get(str(address), 0) + len(split_text(text or " "))
            resends += item_resends or 0
        got: dict[str, int] = {}
        for record in telegram.sent():
            key = str(record["chat_id"])
            got[key] = got.get(key, 0) + 1
        doubled = sum(max(0, got.get(a, 0) - n) for a, n in expected.items())
        missing = sum(max(0, n - got.get(a, 0)) for a, n in expected.items())
        return {
            "inbox_not_done": pending[0],
            "outbox_not_sent": pending[1],
            "bubbles_expected": sum(expected.values()),
            "bubbles_missing": missing,
            "bubbles_doubled": doubled,
            "outbox_resends": resends,
            "lookups": turns.lookups,
        }

    def report(self, ledger: dict[str, Any]) -> dict[str, Any]:
        values = [ms for _, ms in self.latencies]
        rss = [s["rss_mb"] for s in self.samples]
        result = {
            "minutes": self.args.minutes,
            "residents": self.args.residents,
            "turns": len(values),
            "lost_turns": len(self.lost),
            "lost": self.lost[:20],
            **ledger,
            "p50_ms": round(pct(values, 0.5)),
            "p95_ms": round(pct(values, 0.95)),
            "turns_per_s": round(len(values) / max(1.0, self.args.minutes * 60), 2),
            "kills": self.kills,
            "rss_first_last_mb": [rss[0], rss[-1]] if rss else [],
            "samples": self.samples,
        }
        print(
            f"\nsoak done: {result['turns']} turns ({result['turns_per_s']}/s), "
            f"lost {result['lost_turns']} turns, inbox not done {ledger['inbox_not_done']}, "
            f"outbox not sent {ledger['outbox_not_sent']}, bubbles missing "
            f"{ledger['bubbles_missing']}, doubled {ledger['bubbles_doubled']} (outbox resends "
            f"{ledger['outbox_resends']}), p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
            f"{len(self.kills)} kills; RSS first/last minute {result['rss_first_last_mb']}",
            flush=True,
        )
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES") or 30)
    )
    parser.add_argument("--residents", type=int, default=8, help="chatting at once")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(1.0, 3.0), help="seconds between messages"
    )
    parser.add_argument("--kill-every", type=float, default=90.0, help="seconds, on average")
    parser.add_argument("--down", type=float, default=5.0, help="seconds a killed part stays down")
    parser.add_argument("--sample", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "soak.json")
    args = parser.parse_args()
    result = asyncio.run(Soak(args).run())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"written: {args.out}")
    lost = result["lost_turns"] + result["inbox_not_done"] + result["outbox_not_sent"]
    return 1 if lost or result["bubbles_missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
