"""Crisis recall and false alarms per tier and per language, on the safety sets and real words.

Used by tests/safety/ (the rules, the gateway's screen() and the trained model),
scripts/bench_safety.py (`make bench-safety`) and scripts/bench_nlu.py. Evaluation only: nothing
here runs in Rasa or the gateway. Two report forms:

- ``measure`` / ``Report``: the team's crisis sets (crisis messages by kind, lookalikes labelled
  none / possible), as before;
- ``score`` / ``Scores``: any set as ``Item``s, with the numbers per tier and per language
  (the new sets, the real-words dev half, the sealed final half).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "safety" / "data"
SET_PATH = DATA / "crisis_set.yml"
HOLDOUT = DATA / "crisis_holdout.yml"
FINAL_CHECK = DATA / "crisis_final_check.yml"
MORE = DATA / "crisis_more.yml"
LOOKALIKES = DATA / "lookalikes_emotional.yml"
SOFT_HELDOUT = DATA / "crisis_soft_heldout.yml"
LOOKALIKES_MORE = DATA / "lookalikes_emotional_more.yml"
REAL_DEV = ROOT / "tests" / "nlu" / "data" / "real" / "dev.yml"
REAL_FINAL = ROOT / "tests" / "nlu" / "data" / "real" / "final.sealed.yml.gz"
Verdict = tuple[str, str | None]  # (tier, kind)
CERTAIN, POSSIBLE, NONE = "certain", "possible", "none"


# --- the team's crisis sets (kinds and lookalikes) ------------------------------------------


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
    """Read a set in the layout of tests/safety/data/crisis_set.yml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return CrisisSet(
        crisis={k: list(v) for k, v in data["crisis"].items()},
        lookalike={k: list(v) for k, v in data["lookalike"].items()},
    )


# Kinds that answer a family's crisis more precisely: counted as the right kind for that family
# (the crisis sets were labelled before financial abuse had its own answer).
KIND_FAMILY = {"financial_abuse": "violence"}


def same_kind(found: str | None, expected: str) -> bool:
    """True when ``found`` is ``expected`` or a more precise kind of it."""
    return found == expected or KIND_FAMILY.get(found or "") == expected


@dataclass
class Report:
    """What one screening did on a crisis set."""

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
            if verdict[0] == CERTAIN:
                hits += 1
                report.certain += 1
                if same_kind(verdict[1], kind):
                    report.right_kind += 1
                else:
                    report.wrong_kind.append((text, kind, verdict))
            else:
                if verdict[0] == POSSIBLE:
                    report.possible += 1
                report.missed.append((text, kind, verdict))
        report.per_kind[kind] = (hits, len(texts))
    for label, texts in crisis_set.lookalike.items():
        for text in texts:
            tier = classify(text)[0]
            report.lookalike_total += 1
            if label == NONE:
                report.none_total += 1
            else:
                report.possible_total += 1
            if tier == CERTAIN:
                report.false_certain.append(text)
            elif tier == POSSIBLE and label == NONE:
                report.none_flagged_possible.append(text)
            elif tier == POSSIBLE:
                report.possible_flagged_possible += 1
            elif label == POSSIBLE:
                report.possible_missed.append(text)
    return report


def verdict_of_parse(parse: Mapping[str, Any]) -> Verdict:
    """(tier, kind) from a Rasa parse: its ``safety`` dict, or the intent when it has none."""
    safety = parse.get("safety")
    if isinstance(safety, Mapping) and safety.get("tier"):
        return str(safety["tier"]), safety.get("kind")
    intent = (parse.get("intent") or {}).get("name")
    return (CERTAIN, None) if intent == "crisis" else (NONE, None)


def measure_parse(
    parse: Callable[[str], Mapping[str, Any]],
    name: str = "rasa",
    crisis_set: CrisisSet | None = None,
) -> Report:
    """The report for a Rasa model, given a function that parses one text (POST /model/parse)."""
    return measure(name, lambda t: verdict_of_parse(parse(t)), crisis_set or load_set())


def format_report(report: Report) -> str:
    """The lines `make bench-nlu` and `make bench-safety` print for a crisis set."""
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


# --- any set as items: per tier and per language --------------------------------------------


@dataclass(frozen=True)
class Item:
    """One message of an evaluation set.

    ``expect``: for a crisis, ``certain`` (the crisis answer) or ``possible`` (the gentle tier is
    right, e.g. a short plea); for a calm message, ``none`` or ``possible`` (an ambiguous
    lookalike of the team's crisis sets, where the gentle line is intended).
    """

    text: str
    language: str
    crisis: bool
    kind: str | None = None
    expect: str = CERTAIN


def read_set(path: Path) -> Any:
    """An evaluation set's YAML, gzipped or not (the sealed real-words half is gzipped)."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _expect(word: Any, crisis: bool) -> str:
    if word in ("gentle", POSSIBLE):
        return POSSIBLE
    return CERTAIN if crisis else NONE


def load_items(path: Path) -> list[Item]:
    """Any evaluation set as items: the crisis-set layout, the crisis/calm lists, real words."""
    data = read_set(path)
    items: list[Item] = []
    if isinstance(data.get("crisis"), Mapping):  # crisis_set.yml layout: all Dutch
        for kind, texts in data["crisis"].items():
            items += [Item(str(t), "nl", True, kind) for t in texts]
        for label, texts in data["lookalike"].items():
            items += [Item(str(t), "nl", False, None, _expect(label, False)) for t in texts]
        return items
    if "items" in data:  # the real-words sets: {items: [{text, language, crisis, kind?, ...}]}
        for row in data["items"]:
            crisis = bool(row.get("crisis"))
            items.append(
                Item(
                    str(row["text"]),
                    str(row.get("language") or "nl"),
                    crisis,
                    row.get("crisis_kind") or (row.get("kind") if crisis else None),
                    _expect(row.get("crisis_tier"), crisis),
                )
            )
        return items
    for row in data.get("crisis") or []:
        items.append(
            Item(
                str(row["text"]),
                str(row["language"]),
                True,
                row.get("kind"),
                _expect(row.get("expect"), True),
            )
        )
    for row in data.get("calm") or []:
        items.append(Item(str(row["text"]), str(row["language"]), False, None, NONE))
    return items


@dataclass
class Scores:
    """Recall and false alarms of one screening on a group of items."""

    crisis: int = 0
    certain: int = 0
    any_tier: int = 0
    expected_certain: int = 0
    certain_of_expected: int = 0
    calm: int = 0
    plain: int = 0  # calm items where no tier at all is right
    false_certain: int = 0
    false_any: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def recall_any(self) -> float:
        """Crisis messages that got at least the gentle tier."""
        return self.any_tier / self.crisis if self.crisis else 0.0

    @property
    def recall_certain(self) -> float:
        """Crisis messages meant for the crisis answer that got it."""
        return self.certain_of_expected / self.expected_certain if self.expected_certain else 0.0

    @property
    def false_alarm_certain(self) -> float:
        """Calm messages that got the crisis answer."""
        return self.false_certain / self.calm if self.calm else 0.0

    @property
    def false_alarm_any(self) -> float:
        """Plain calm messages that got any tier (the crisis answer or the gentle line)."""
        return self.false_any / self.plain if self.plain else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Numbers only (no message text): for results/*.json."""
        return {
            "crisis": self.crisis,
            "recall_any_tier": round(self.recall_any, 4),
            "recall_certain": round(self.recall_certain, 4),
            "calm": self.calm,
            "false_alarm_any_tier": round(self.false_alarm_any, 4),
            "false_alarm_certain": round(self.false_alarm_certain, 4),
        }


def score(classify: Callable[[str], Verdict], items: Iterable[Item]) -> dict[str, Scores]:
    """Scores for all items (``"all"``) and per language."""
    groups: dict[str, Scores] = {}
    for item in items:
        tier = classify(item.text)[0]
        for name in ("all", item.language):
            s = groups.setdefault(name, Scores())
            if item.crisis:
                s.crisis += 1
                s.certain += tier == CERTAIN
                s.any_tier += tier != NONE
                if item.expect == CERTAIN:
                    s.expected_certain += 1
                    s.certain_of_expected += tier == CERTAIN
                if tier == NONE and name == "all":
                    s.missed.append(item.text)
            else:
                s.calm += 1
                s.false_certain += tier == CERTAIN
                if item.expect == NONE:
                    s.plain += 1
                    s.false_any += tier != NONE
                    if tier != NONE and name == "all":
                        s.false_alarms.append(f"{tier}: {item.text}")
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] != "all", kv[0])))


def format_scores(name: str, groups: Mapping[str, Scores], *, texts: bool = True) -> str:
    """A table per language; with ``texts``, the misses and false alarms (never for sealed sets)."""
    lines = [
        f"{name}",
        "  lang  crisis  recall any  recall certain  calm  false alarm any  false alarm certain",
    ]
    for group, s in groups.items():
        lines.append(
            f"  {group:<4}  {s.crisis:>6}  {s.recall_any:>10.3f}  {s.recall_certain:>14.3f}  "
            f"{s.calm:>4}  {s.false_alarm_any:>15.3f}  {s.false_alarm_certain:>19.3f}"
        )
    if texts and "all" in groups:
        lines += [f"  MISSED: {t}" for t in groups["all"].missed]
        lines += [f"  FALSE ALARM {t}" for t in groups["all"].false_alarms]
    return "\n".join(lines)
