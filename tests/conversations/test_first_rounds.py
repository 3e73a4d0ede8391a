"""Housekeeping rounds wait a little after an instance starts: the attending time-outs one
interval, the plan reminders a minute (``FIRST_ROUND_SECONDS``), then every interval. A
restarting instance answers the residents who waited first, and an app that lives only briefly
(a test, a rolled-back deploy) runs no round at all; stopped during the pause, a loop ends at
once without a round."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.conversations import plan_reminders
from bot.conversations.plan_reminders import PlanReminders
from bot.conversations.timeouts import SweepReport, Timeouts


class CountedTimeouts(Timeouts):
    def __init__(self) -> None:
        super().__init__(service=None)  # type: ignore[arg-type]
        self.rounds: list[float] = []

    async def run_once(self, factory: Any) -> SweepReport:
        self.rounds.append(time.monotonic())
        return SweepReport()


class CountedReminders(PlanReminders):
    rounds: list[float]

    async def run_once(self, factory: Any, today: Any = None) -> int:
        self.rounds.append(time.monotonic())
        return 0


def counted_reminders() -> CountedReminders:
    reminders = CountedReminders(flow=None, channels={})  # type: ignore[arg-type]
    object.__setattr__(reminders, "rounds", [])
    return reminders


async def rounds_of(
    loop: Callable[[asyncio.Event], Awaitable[None]], rounds: list[float], count: int
) -> float:
    """Run ``loop(stop)`` until ``rounds`` has ``count`` entries; when it started."""
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(loop(stop))
    async with asyncio.timeout(10):
        while len(rounds) < count:
            await asyncio.sleep(0.01)
    stop.set()
    await task
    return started


def spaced(rounds: list[float], interval: float) -> bool:
    return all(b - a >= interval for a, b in zip(rounds, rounds[1:], strict=False))


async def test_the_timeouts_sweep_first_after_one_interval_then_every_interval() -> None:
    timeouts = CountedTimeouts()
    run = functools.partial(timeouts.run, None, interval=0.2, did_work=lambda: None)
    started = await rounds_of(run, timeouts.rounds, 3)
    assert timeouts.rounds[0] - started >= 0.2
    assert spaced(timeouts.rounds, 0.2)


async def test_the_plan_reminders_start_after_their_pause_then_every_interval() -> None:
    assert plan_reminders.FIRST_ROUND_SECONDS == 60.0  # the production pause
    reminders = counted_reminders()
    run = functools.partial(reminders.run, None, interval=0.1, first_after=0.3)
    started = await rounds_of(run, reminders.rounds, 3)
    assert reminders.rounds[0] - started >= 0.3
    assert spaced(reminders.rounds, 0.1)


async def test_stopped_during_the_pause_a_loop_ends_at_once_without_a_round() -> None:
    timeouts, reminders = CountedTimeouts(), counted_reminders()
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(
            timeouts.run(None, stop, interval=3600, did_work=lambda: None)  # type: ignore[arg-type]
        ),
        asyncio.create_task(reminders.run(None, stop)),  # type: ignore[arg-type]
    ]
    await asyncio.sleep(0)  # both loops are in their pause
    stop.set()
    async with asyncio.timeout(5):  # not the hour or the minute of the pauses
        await asyncio.gather(*tasks)
    assert timeouts.rounds == [] and reminders.rounds == []
