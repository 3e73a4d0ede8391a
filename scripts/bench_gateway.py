"""`make bench`: end-to-end turn latency and throughput through the gateway, and its overhead.

Starts the real Rasa server + action server, a fake Telegram Bot API and the gateway on loopback.
Simulated residents post Telegram webhook updates; a turn ends when the first reply bubble
arrives at the fake API. The same messages are also sent straight to Rasa's gateway channel to
separate the time spent in Rasa from the gateway's own overhead. Bounded in time; writes
results/bench_gateway.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from bot.settings import Secret, Settings  # noqa: E402
from bot.storage import migrate  # noqa: E402
from tests.fakes.telegram import FakeTelegram  # noqa: E402
from tests.support.rasa_stack import RASA_CHANNEL_TOKEN, free_port, start_stack  # noqa: E402

MESSAGES = [
    "ik heb schulden",
    "ik kan mijn huur niet betalen",
    "hoi",
    "de deurwaarder komt morgen",
    "mijn energierekening is te hoog",
    "wie leest dit",
    "ik heb geen eten meer",
    "ik moet toeslag terugbetalen",
    "ik zoek werk",
    "kan ik een mens spreken",
]
LEVELS = (1, 4, 16)
TURNS_PER_LEVEL = 48
SECRET = "bench-secret"  # noqa: S105 - the fake Telegram of the benchmark


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def rasa_only(rasa_url: str, n: int) -> list[float]:
    """Time of the one Rasa round trip per message, without the gateway."""
    times = []
    async with aiohttp.ClientSession() as session:
        for i in range(n):
            t0 = time.perf_counter()
            async with session.post(
                f"{rasa_url}/webhooks/gateway/webhook",
                json={"sender": f"bench-direct-{i}", "message": MESSAGES[i % len(MESSAGES)]},
                headers={"X-Geldhulp-Token": RASA_CHANNEL_TOKEN},
            ) as resp:
                await resp.read()
            times.append((time.perf_counter() - t0) * 1000)
    return times


async def run_level(
    port: int, telegram: FakeTelegram, concurrency: int, base_id: int
) -> dict[str, float]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(TURNS_PER_LEVEL):
        queue.put_nowait(i)

    async def resident(worker: int, session: aiohttp.ClientSession) -> None:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            # each turn is a new resident's message, so Telegram's 1 msg/s per-chat pacing of
            # the previous turn's bubbles does not count as gateway latency
            chat_id = 9_000_000 + base_id * 1000 + i
            before = len(telegram.sent(chat_id))
            update = {
                "update_id": base_id * 1000 + i,
                "message": {
                    "message_id": base_id * 1000 + i,
                    "date": int(time.time()),
                    "text": MESSAGES[i % len(MESSAGES)],
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Bench"},
                },
            }
            t0 = time.monotonic()
            async with session.post(
                f"http://127.0.0.1:{port}/webhooks/telegram",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            ) as resp:
                assert resp.status == 200
            deadline = t0 + 60
            while len(telegram.sent(chat_id)) <= before and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.005)  # noqa: ASYNC110 - polls a fake, measured
            first = telegram.sent(chat_id)[before]
            latencies.append((first["_t"] - t0) * 1000)

    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(resident(w, session) for w in range(concurrency)))
    elapsed = time.monotonic() - started
    return {
        "concurrency": concurrency,
        "turns": len(latencies),
        "p50_ms": round(pct(latencies, 0.5), 1),
        "p95_ms": round(pct(latencies, 0.95), 1),
        "turns_per_s": round(len(latencies) / elapsed, 2),
    }


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        stack = start_stack(Path(tmp) / "stack")
        telegram = await FakeTelegram().start()
        db_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        migrate.upgrade(db_url)
        settings = Settings(
            env="test",
            database_url=db_url,
            rasa_url=stack.rasa_url,
            rasa_timeout=10,
            rasa_channel_token=Secret(RASA_CHANNEL_TOKEN),
            pseudonym_key=Secret("bench"),
            telegram_token=Secret(telegram.token),
            telegram_base_url=telegram.base_url,
            telegram_webhook_secret=Secret(SECRET),
            telegram_mode="webhook",
        )
        runner = web.AppRunner(create_app(settings))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            direct = await rasa_only(stack.rasa_url, 40)
            levels = [await run_level(port, telegram, c, n + 1) for n, c in enumerate(LEVELS)]
        finally:
            await runner.cleanup()
            await telegram.close()
            stack.stop()
    rasa_p50 = pct(direct, 0.5)
    result = {
        "rasa_round_trip_ms": {"p50": round(rasa_p50, 1), "p95": round(pct(direct, 0.95), 1)},
        "levels": levels,
        "gateway_overhead_ms_p50_at_1": round(levels[0]["p50_ms"] - rasa_p50, 1),
        "database": "sqlite",
        "turn": "webhook POST until the first reply bubble reaches the fake Telegram API",
    }
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench_gateway.json").write_text(
        json.dumps(result, indent=2), encoding="utf-8"
    )
    print(
        f"Rasa alone (one round trip): p50 {result['rasa_round_trip_ms']['p50']} ms, "
        f"p95 {result['rasa_round_trip_ms']['p95']} ms"
    )
    print(f"{'residents':>10} {'turns':>6} {'p50 ms':>8} {'p95 ms':>8} {'turns/s':>8}")
    for level in levels:
        print(
            f"{level['concurrency']:>10} {level['turns']:>6} {level['p50_ms']:>8} "
            f"{level['p95_ms']:>8} {level['turns_per_s']:>8}"
        )
    print(f"gateway overhead at p50 (1 resident): {result['gateway_overhead_ms_p50_at_1']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
