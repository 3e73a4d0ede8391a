"""Channel health for the outbox: one circuit per channel (one Telegram bot, one WhatsApp number).

While a channel fails, its items are not tried each on its own clock: the outbox sends one probe
at a time (backoff from ``base`` up to ``cap``, or longer when the channel said Retry-After),
and on the first success every waiting item of that channel is released at once; per-resident
order holds because only the oldest pending item of a resident can be claimed. The circuit is
kept in memory per instance: the waiting items and their release are in the database, so any
instance that sees the channel answer releases them for all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

RETRY_AFTER_CAP = 60.0  # a channel's Retry-After is honoured up to this long


@dataclass
class Circuit:
    """Whether a channel works, and when to try it again while it does not."""

    base: float = 0.25
    cap: float = 5.0
    failing: bool = False
    failures: int = 0
    probe_at: float = 0.0  # time.monotonic() at which the next probe may go
    probing: bool = False  # a probe is in flight (one at a time)
    failing_since: float | None = None

    def failed(self, retry_after: float | None = None, *, probe: bool = True) -> None:
        """The channel refused a send (5xx, 429, a network error): wait, then probe.

        Only a failing probe (or the first failure) makes the next wait longer: the sends that
        were in flight when the channel went down fail together and say nothing new.
        """
        now = time.monotonic()
        if self.failing and not probe:
            if retry_after:
                self.probe_at = max(self.probe_at, now + min(retry_after, RETRY_AFTER_CAP))
            return
        if not self.failing:
            self.failing, self.failing_since = True, now
        self.failures += 1
        delay = min(self.cap, self.base * float(2 ** min(self.failures - 1, 20)))
        if retry_after:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        self.probe_at = max(self.probe_at, now + delay)
        self.probing = False

    def succeeded(self) -> bool:
        """The channel accepted a send; True when it was failing (waiting items may go now)."""
        was_failing = self.failing
        self.failing, self.failures, self.probing = False, 0, False
        self.probe_at, self.failing_since = 0.0, None
        return was_failing

    def probe_due(self) -> bool:
        """A failing channel whose next probe may go now (and none is in flight)."""
        return self.failing and not self.probing and time.monotonic() >= self.probe_at

    def nothing_to_probe(self) -> None:
        """No item is waiting: look again after ``cap`` (a new item wakes the worker anyway)."""
        self.probe_at = time.monotonic() + self.cap

    def probe_ended(self) -> None:
        """A probe ended without a word from the channel (paced, taken over): another soon."""
        if self.probing:
            self.probing = False
            self.probe_at = time.monotonic() + self.base

    def probe_in(self) -> float | None:
        """Seconds until the next probe may go; None when closed or a probe is in flight."""
        if not self.failing or self.probing:
            return None
        return max(0.0, self.probe_at - time.monotonic())
