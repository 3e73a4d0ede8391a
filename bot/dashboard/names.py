"""Dutch names for the codes the dashboard shows (topics, channels, reasons, outcomes).

Every name comes from `bot/labels.nl.yml`: the shared sections ``topic``, ``reason`` and
``outcome`` (the console uses the same names) first, then the ``dashboard`` section. A code
without a label is shown as the kind's "other" label, never as the code itself.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.labels import Labels

SHARED = ("reason", "outcome")  # besides topic, sections shared with the console
KINDS = ("topic", "intent", "learning", "channel", "reason", "kind", "outcome")


@cache
def labels() -> Labels:
    """The staff label file, read once."""
    return Labels.load()


def t(key: str, /, **values: Any) -> str:
    """A dashboard label (``dashboard.<key>``); a missing key raises (tests find it)."""
    return labels().label(f"dashboard.{key}", **values)


def topic_name(code: str | None) -> str:
    """The Dutch name of an intent: a topic, "out of scope", or another intent."""
    found = labels().get(f"topic.{code}") or labels().get(f"dashboard.topic.{code}")
    if found:
        return found
    return labels().get(f"dashboard.intent.{code or 'none'}") or t("intent.other")


def name(kind: str, code: Any) -> str:
    """The Dutch name of ``code`` of ``kind`` (one of KINDS)."""
    if kind == "learning" and code == "not_reviewed":
        return t("learning.not_reviewed")
    if kind in ("topic", "intent", "learning"):
        return topic_name(None if code is None else str(code))
    shared = labels().get(f"{kind}.{code}") if kind in SHARED else None
    return shared or labels().get(f"dashboard.{kind}.{code}") or t(f"{kind}.other")
