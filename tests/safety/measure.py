"""Crisis recall and false-alarm rates on the team's crisis set, for tests and `make bench-nlu`.

Used by tests/safety/ (the rules, the gateway's screen() and the trained model) and by
scripts/bench_safety.py; `scripts/bench_nlu.py` can print the same report for its model with
``format_report(measure_parse(parse))``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SET_PATH = Path(__file__).parent / "data" / "crisis_set.yml"
Verdict = tuple[str, str | None]  # (tier, kind)


@dataclass(frozen=True)
class CrisisSet:
    """The crisis messages by kind and the lookalikes by their right tier (none / possible)."""

    crisis: dict[str, list[str]]
    lookalike: dict[str, list[str]]

    @property
    def crisis_messages(self) -> list[tuple[str, str]]:
        """(text, kind) for every crisis message."""
        return [(t, kind) for kind, texts in self.crisis.items() for t in texts]

    @property
    def lookalike_messages(self) -> list[tuple[str, str]]:
        """(text, right tier) for every lookalike."""
        return [(t, tier) for tier, texts in self.lookalike.items() for t in texts]

    @property
    def all_texts(self) -> list[str]:
        """Every message of the set."""
        return [t for t, _ in self.crisis_messages] + [t for t, _ in self.lookalike_messages]


def load_set(path: Path = SET_PATH) -> CrisisSet:
    """Read tests/safety/data/crisis_set.yml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return CrisisSet(
        crisis={k: list(v) for k, v in data["crisis"].items()},
        lookalike={k: list(v) for k, v in data["lookalike"].items()},
    )


@dataclass
class Report:
    """What one screening did on the set."""

    name: str
    crisis_total: int = 0
    certain: int = 0
    possible: int = 0
    right_kind: int = 0
    per_kind: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind: (certain, total)
    missed: list[tuple[str, str, Verdict]] = field(default_factory=list)  # (text, kind, verdict)
    wrong_kind: list[tuple[str, str, Verdict]] = field(default_factory=list)
    lookalike_total: int = 0
    none_total: int = 0
    possible_total: int = 0
    false_certain: list[str] = field(default_factory=list)
    none_flagged_possible: list[str] = field(default_factory=list)
    possible_flagged_possible: int = 0
    possible_missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of crisis messages that got the *certain* tier."""
        return self.certain / self.crisis_total if self.crisis_total else 0.0

    @property
    def recall_any_tier(self) -> float:
        """Share of crisis messages that got *certain* or *possible*."""
        return (self.certain + self.possible) / self.crisis_total if self.crisis_total else 0.0

    @property
    def kind_accuracy(self) -> float:
        """Among the certain ones, the share with the right kind."""
        return self.right_kind / self.certain if self.certain else 0.0

    @property
    def false_alarm_certain(self) -> float:
        """Share of all lookalikes that got the crisis answer (the tier that breaks a chat)."""
        return len(self.false_certain) / self.lookalike_total if self.lookalike_total else 0.0

    @property
    def false_alarm_possible(self) -> float:
        """Share of the plain (`none`) lookalikes that got the gentle line anyway."""
        return len(self.none_flagged_possible) / self.none_total if self.none_total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Numbers for results/*.json."""
        return {
            "crisis_messages": self.crisis_total,
            "recall_certain": round(self.recall, 4),
            "recall_any_tier": round(self.recall_any_tier, 4),
            "kind_accuracy": round(self.kind_accuracy, 4),
            "per_kind_recall": {k: f"{c}/{t}" for k, (c, t) in self.per_kind.items()},
            "lookalikes": self.lookalike_total,
            "false_alarm_certain": round(self.false_alarm_certain, 4),
            "false_alarm_possible": round(self.false_alarm_possible, 4),
            "lookalikes_labelled_possible_that_got_it": (
                f"{self.possible_flagged_possible}/{self.possible_total}"
            ),
            "missed": [t for t, _, _ in self.missed],
            "false_certain": self.false_certain,
        }


def measure(name: str, classify: Callable[[str], Verdict], crisis_set: CrisisSet) -> Report:
    """Run ``classify`` (text -> (tier, kind)) over the set and count."""
    report = Report(name)
    for kind, texts in crisis_set.crisis.items():
        hits = 0
        for text in texts:
            verdict = classify(text)
            report.crisis_total += 1
            if verdict[0] == "certain":
                hits += 1
                report.certain += 1
                if verdict[1] == kind:
                    report.right_kind += 1
                else:
                    report.wrong_kind.append((text, kind, verdict))
            else:
                if verdict[0] == "possible":
                    report.possible += 1
                report.missed.append((text, kind, verdict))
        report.per_kind[kind] = (hits, len(texts))
    for label, texts in crisis_set.lookalike.items():
        for text in texts:
            tier = classify(text)[0]
            report.lookalike_total += 1
            if label == "none":
                report.none_total += 1
            else:
                report.possible_total += 1
            if tier == "certain":
                report.false_certain.append(text)
            elif tier == "possible" and label == "none":
                report.none_flagged_possible.append(text)
            elif tier == "possible":
                report.possible_flagged_possible += 1
            elif label == "possible":
                report.possible_missed.append(text)
    return report


def verdict_of_parse(parse: Mapping[str, Any]) -> Verdict:
    """(tier, kind) from a Rasa parse: its ``safety`` dict, or the intent when it has none."""
    safety = parse.get("safety")
    if isinstance(safety, Mapping) and safety.get("tier"):
        return str(safety["tier"]), safety.get("kind")
    intent = (parse.get("intent") or {}).get("name")
    return ("certain", None) if intent == "crisis" else ("none", None)


def measure_parse(
    parse: Callable[[str], Mapping[str, Any]],
    name: str = "rasa",
    crisis_set: CrisisSet | None = None,
) -> Report:
    """The report for a Rasa model, given a function that parses one text (POST /model/parse)."""
    return measure(name, lambda t: verdict_of_parse(parse(t)), crisis_set or load_set())


def format_report(report: Report) -> str:
    """The lines `make bench-nlu` prints."""
    kinds = ", ".join(f"{k} {c}/{t}" for k, (c, t) in report.per_kind.items())
    lines = [
        f"crisis set ({report.name}): {report.crisis_total} crisis messages, "
        f"{report.lookalike_total} lookalikes",
        f"  crisis recall (certain tier):   {report.recall:.3f}  ({kinds})",
        f"  crisis recall (any tier):       {report.recall_any_tier:.3f}",
        f"  right crisis kind:              {report.kind_accuracy:.3f}",
        f"  false alarms, certain tier:     {report.false_alarm_certain:.3f} "
        f"({len(report.false_certain)}/{report.lookalike_total} lookalikes got the crisis answer)",
        f"  false alarms, possible tier:    {report.false_alarm_possible:.3f} "
        f"({len(report.none_flagged_possible)}/{report.none_total} plain lookalikes got the "
        f"gentle line; {report.possible_flagged_possible}/{report.possible_total} ambiguous ones "
        f"got it as intended)",
    ]
    lines += [f"  MISSED [{kind}] {verdict[0]}: {text}" for text, kind, verdict in report.missed]
    lines += [f"  FALSE ALARM: {text}" for text in report.false_certain]
    return "\n".join(lines)
