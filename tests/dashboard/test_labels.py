"""Every label the dashboard uses exists in bot/labels.nl.yml, and every code it can show has a
Dutch name (so no screen ever falls back to a code)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.analytics.review import LABEL_CHOICES
from bot.dashboard.names import labels, name
from bot.dashboard.queries import PERIODS
from bot.topics import TOPIC_INTENTS
from bot.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "bot" / "dashboard"
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']\s*[,)]""")


def test_every_literal_label_key_exists() -> None:
    used = set()
    for path in [*DASHBOARD.rglob("*.py"), *DASHBOARD.rglob("*.html")]:
        if "local_help" in path.name:
            continue  # the directory engineer's screen
        used |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 40
    missing = sorted(k for k in used if labels().get(f"dashboard.{k}") is None)
    assert missing == []


def test_keys_built_at_run_time_exist() -> None:
    keys = [f"overview.period_{p}" for p in PERIODS] + [f"figures.period_{p}" for p in PERIODS]
    keys += [f"figures.{k}" for k in ("handover_reasons", "handover_kinds")]
    keys += ["figures.col_reason", "figures.col_kind"]
    keys += [f"unanswered.col_{c}" for c in ("keywords", "example", "count", "ids")]
    keys += [
        f"learning.col_{c}"
        for c in ("period", "topic", "answered", "fell_back", "corrected", "confirmed")
    ]
    keys += [f"review.{k}" for k in ("saved", "saved_crisis", "saved_crisis_again")]
    keys += [f"{kind}.other" for kind in ("intent", "channel", "reason", "kind", "outcome")]
    assert [k for k in keys if labels().get(f"dashboard.{k}") is None] == []


def test_every_code_has_a_dutch_name() -> None:
    other = {kind: labels().label(f"dashboard.{kind}.other") for kind in ("intent", "outcome")}
    for topic in (*TOPIC_INTENTS, *LABEL_CHOICES, "out_of_scope", "nlu_fallback"):
        assert name("topic", topic) != other["intent"], topic
    domain_intents = set()
    for path in (ROOT / "domain").glob("*.yml"):
        for intent in (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            domain_intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    assert domain_intents
    unnamed = sorted(i for i in domain_intents if name("intent", i) == other["intent"])
    assert unnamed == []  # a guess of the assistant is always shown in Dutch
    from bot.console.views import OUTCOMES
    from bot.demo.history import REASONS

    for outcome in (*OUTCOMES, "cancelled", "transferred", "handed_back", "forgotten", "onbekend"):
        assert name("outcome", outcome) != other["outcome"] or outcome == "other", outcome
    reason_other = labels().label("dashboard.reason.other")
    for reason in REASONS:
        assert name("reason", reason) != reason_other, reason
    for channel in ("whatsapp", "telegram", "web"):
        assert labels().get(f"dashboard.channel.{channel}"), channel


def test_labels_are_dutch_words_not_codes() -> None:
    section = parse_yaml((ROOT / "bot" / "labels.nl.yml").read_text(encoding="utf-8"))
    flat: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        else:
            flat.append(str(value))

    walk(section["dashboard"])
    assert [v for v in flat if re.search(r"\b[a-z]+_[a-z_]+\b", v)] == []
    assert not any("je moet" in v.lower() for v in flat)
