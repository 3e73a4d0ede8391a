"""Channel health, not item clocks: while Telegram answers 429 and 500, the outbox probes it one
send at a time; on its first success every waiting reply goes out (in order per resident) within
seconds, not each on its own backoff clock of up to 300 s.

Real HTTP to a fake Telegram on loopback, the production retry settings (base 1 s, cap 300 s)
and Telegram's pacing of one message per second per chat; no Rasa.
"""

from __future__ import annotations

import asyncio
import time

from aiohttp import web
from sqlalchemy import select

from bot.channels.telegram import TelegramChannel
from bot.conversations import store
from bot.conversations.models import Reply
from bot.conversations.tables import ChannelIdentity, OutboxItem
from bot.conversations.worker import OutboxWorker
from bot.storage.db import open_database
from harness.fakes.telegram import FakeTelegram

RESIDENTS, BUBBLES = 30, 3
OUTAGE = 8.0  # seconds of 429 and 500
DEADLINE = 30.0  # the acceptance: every waiting reply within 30 s of the first success


class FlakyTelegram(FakeTelegram):
    """Answers sendMessage with 429 (retry_after 1) and 500 in turn until ``healthy_at``."""

    healthy_at: float = 0.0
    refused: list[float]

    async def handle(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage" and time.monotonic() < self.healthy_at:
            self.refused.append(time.monotonic())
            if len(self.refused) % 2:
                body = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
                body["parameters"] = {"retry_after": 1}
                return web.json_response(body, status=429)
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            return web.json_response(body, status=500)
        return await super().handle(request)


async def test_after_an_outage_every_waiting_reply_goes_out_within_seconds(db_url: str) -> None:
    telegram = FlakyTelegram()
    telegram.refused = []
    await telegram.start()
    channel = TelegramChannel(telegram.token, telegram.base_url)
    await channel.start()
    assert channel.pacing == 1.0  # Telegram's own pace per chat, as in production
    async with open_database(db_url) as (_e, factory):
        async with factory() as s:
            for r in range(RESIDENTS):
                identity = ChannelIdentity(
                    channel="telegram", external_hash=f"h-{r}", address=str(7770000 + r)
                )
                s.add(identity)
                await s.flush()
                conv, _ = await store.open_conversation(s, identity)
                for b in range(BUBBLES):
                    store.enqueue_reply(s, conv, identity, Reply(f"bubbel {b} voor {r}"))
            await s.commit()
        telegram.healthy_at = time.monotonic() + OUTAGE
        worker = OutboxWorker(factory, {"telegram": channel})  # production retry settings
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            await telegram.wait_for(RESIDENTS * BUBBLES, timeout=OUTAGE + DEADLINE + 30)
        finally:
            stop.set()
            await task
        async with factory() as s:
            statuses = list(await s.scalars(select(OutboxItem.status)))
    await channel.stop()
    await telegram.close()

    sent = telegram.sent()
    first_success = min(m["_t"] for m in sent)
    took = max(m["_t"] for m in sent) - first_success
    print(f"\n{RESIDENTS * BUBBLES} waiting replies delivered {took:.1f} s after the first success")
    assert took <= DEADLINE
    assert statuses == ["sent"] * RESIDENTS * BUBBLES
    assert len(sent) == RESIDENTS * BUBBLES  # each once
    # one probe at a time: besides the first round of sends in flight (16), a few probes
    assert len(telegram.refused) <= 16 + OUTAGE / 0.5
    for r in range(RESIDENTS):  # in order per resident
        texts = [m["text"] for m in telegram.sent(7770000 + r)]
        assert texts == [f"bubbel {b} voor {r}" for b in range(BUBBLES)]
