"""The summary a person reads in ten seconds before answering: built from the conversation.

What the resident wants (their own key sentences, redacted), every topic (from the assistant's
slots, from each message's intent and from plain words, so a second problem is not missed),
urgency and why, municipality, what the assistant told and offered, crisis flags. It is stored
on the conversation (kept for the retention period, not wiped at close) and a person can edit it.
Messages typed while waiting are added as they come.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.conversations.tables import Message
from bot.privacy.redact import redact
from bot.topics import TOPIC_INTENTS

MAX_WANTS = 4
MIN_WORDS = 4
NOT_PROBLEMS = frozenset({"privacy_trust", "crisis", "ask_human"})
# plain words for the money topics, so that a topic the assistant did not name is still listed
_TOPIC_WORDS: dict[str, str] = {
    "rent_housing": r"huur|verhuurder|woningcorporatie|uit\s+huis|uitzet|ontruim",
    "energy_water": r"energie|stroom|gas\b|gasrekening|water\s*bedrijf|waterrekening|afgesloten|afsluit",
    "health_insurance": r"zorgverzeker|zorgpremie|\bcak\b|eigen\s+risico",
    "debt_collector": r"deurwaarder|incasso|beslag|dwangbevel",
    "benefits_toeslagen": r"toeslag|kinderopvangtoeslag|huurtoeslag|zorgtoeslag",
    "income_support": r"bijstand|uitkering|\buwv\b|\bww\b",
    "food_basic_needs": r"voedselbank|geen\s+eten|niks\s+te\s+eten|honger|boodschappen",
    "tax_government_debt": r"belastingdienst|belasting|\bcjib\b|boete|\bduo\b",
    "payment_arrears": r"(?<!huur)achterstand|niet\s+betaald|kan\s+\w+\s+niet\s+betalen|rekeningen",
    "debt_help": r"schulden|schuld\b|schuldhulp",
    "budgeting_admin": r"overzicht|administratie|budget|post\s+open",
    "work_future": r"\bwerk\b|baan|opleiding",
}
_PATTERNS = {topic: re.compile(words) for topic, words in _TOPIC_WORDS.items()}
_COMMANDS = re.compile(r"^(?:mens|een mens|toch niet|stop|ja|nee|ok|oke|hallo|hoi)\W*$", re.I)


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def topics_in(text: str) -> list[str]:
    """Money topics named in plain words in ``text`` (fixed order)."""
    plain = _plain(text or "")
    return [topic for topic, pattern in _PATTERNS.items() if pattern.search(plain)]


def merge(*lists: Iterable[str]) -> list[str]:
    """The items of every list in order, each once (empty ones left out)."""
    out: list[str] = []
    for items in lists:
        for item in items:
            if item and item not in out:
                out.append(item)
    return out


def key_sentences(texts: Sequence[str], limit: int = MAX_WANTS) -> list[str]:
    """The resident's own most telling sentences, redacted, in the order they were written."""
    candidates: list[tuple[int, int, str]] = []
    for index, text in enumerate(texts):
        text = (text or "").strip()
        if not text or text.startswith("/") or _COMMANDS.match(text):
            continue
        words = len(text.split())
        score = words + 10 * len(topics_in(text))
        if words >= MIN_WORDS or topics_in(text):
            candidates.append((score, index, text))
    best = sorted(candidates, key=lambda c: (-c[0], c[1]))[:limit]
    return [redact(text)[:300] for _score, _index, text in sorted(best, key=lambda c: c[1])]


def build(
    decision: dict[str, Any],
    messages: Sequence[Message],
    *,
    asked_at: datetime,
    message_topics: Iterable[str] = (),
) -> dict[str, Any]:
    """The summary at the moment of the handover, from the assistant's decision and transcript."""
    given = dict(decision.get("summary") or {})
    texts = [m.text for m in messages if m.direction == "in" and m.sender_type == "contact"]
    from_words = [t for text in texts for t in topics_in(text)]
    topics = merge(given.get("topics") or [], message_topics, from_words)
    crisis = (
        [str(decision.get("crisis_kind") or "crisis")] if decision.get("reason") == "crisis" else []
    )
    return {
        "wants": key_sentences(texts),
        "topics": [t for t in topics if t in TOPIC_INTENTS],
        "urgency_flags": list(given.get("urgency_flags") or []),
        "municipality_code": given.get("municipality_code"),
        "municipality_name": given.get("municipality_name"),
        "told": list(given.get("told") or []),
        "suggested": list(given.get("suggested") or []),
        "offers": list(given.get("offers") or []),
        "reason": str(decision.get("reason") or "asked"),
        "kind": decision.get("kind"),
        "urgent": bool(decision.get("urgent")),
        "asked_at": asked_at.isoformat(),
        "crisis": crisis,
        "edited": None,
    }


def add_message(
    summary: dict[str, Any] | None, text: str, *, intent: str | None = None
) -> dict[str, Any]:
    """A message typed while waiting or with a person: its topics and words join the summary."""
    summary = dict(summary or {})
    topics = list(summary.get("topics") or [])
    found = topics_in(text) + ([intent] if intent in TOPIC_INTENTS else [])
    summary["topics"] = merge(topics, [t for t in found if t and t in TOPIC_INTENTS])
    wants = list(summary.get("wants") or [])
    if len(wants) < MAX_WANTS:
        wants += key_sentences([text], limit=1)
    summary["wants"] = wants
    return summary


def add_crisis(summary: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    """A crisis kind seen in the conversation (the flag stays with the summary)."""
    summary = dict(summary or {})
    summary["crisis"] = merge(summary.get("crisis") or [], [kind])
    summary["urgent"] = True
    return summary


def problems(summary: dict[str, Any]) -> list[str]:
    """The money topics of a summary (without privacy, crisis and 'ask a person')."""
    return [t for t in summary.get("topics") or [] if t not in NOT_PROBLEMS]
