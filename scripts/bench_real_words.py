"""Topic accuracy of the trained model on the real-words set (issue 17), part of `make bench-nlu`.

The real words are messages nobody on the team wrote (tests/nlu/data/real/README.md). This
serves the trained model (models/geldhulp.tar.gz, the one residents talk to) on a loopback port,
parses every item over real HTTP and prints, for the dev half and (with ``--final``) the sealed
final half: topic accuracy overall, per kind (question, story, emotional, ...) and per language
(Dutch against the rest), macro F1 over the topics, out-of-scope recall, and crisis recall and
false alarms per tier. ``--errors`` lists the dev half's wrong answers; the final half is only
ever counted, never printed. Writes results/bench_real_words.json.

How a parse becomes a topic (what the resident gets): a certain safety verdict (or the crisis
intent) is ``crisis``; the fallback and ``out_of_scope`` are ``out_of_scope``; otherwise the
intent. An item whose topic is ``crisis`` counts as right on either safety tier (the crisis
answer or the gentle 113 line).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from bench_safety import served_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from rasa_addons.safety.measure import REAL_DEV, REAL_FINAL, read_set, verdict_of_parse  # noqa: E402

CRISIS = "crisis"
OUT_OF_SCOPE = "out_of_scope"
NOT_A_TOPIC = frozenset({"nlu_fallback", OUT_OF_SCOPE})


def read_items(path: Path) -> list[dict[str, Any]]:
    """The items of one half (the final half is gzipped YAML)."""
    return list(read_set(path)["items"])


def topic_of(parse: Mapping[str, Any]) -> tuple[str, str]:
    """(the topic the resident is answered on, the safety tier) of one parse."""
    tier, _kind = verdict_of_parse(parse)
    intent = str((parse.get("intent") or {}).get("name") or "nlu_fallback")
    if tier == "certain" or intent == CRISIS:
        return CRISIS, tier
    if intent in NOT_A_TOPIC:
        return OUT_OF_SCOPE, tier
    return intent, tier


def right(item: Mapping[str, Any], topic: str, tier: str) -> bool:
    """Whether the resident got the item's topic (a crisis item: either safety tier)."""
    if item["topic"] == CRISIS:
        return topic == CRISIS or tier in ("certain", "possible")
    return topic == item["topic"]


def macro_f1(pairs: Iterable[tuple[str, str]]) -> float:
    """Macro F1 over the expected topics of (expected, found) pairs."""
    pairs = list(pairs)
    labels = sorted({expected for expected, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for e, f in pairs if e == label and f == label)
        fp = sum(1 for e, f in pairs if e != label and f == label)
        fn = sum(1 for e, f in pairs if e == label and f != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def evaluate(items: list[dict[str, Any]], parse: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Every number of one half, and the wrong answers (as indexes into ``items``)."""
    found = [topic_of(parse(str(item["text"]))) for item in items]
    hits = [right(item, topic, tier) for item, (topic, tier) in zip(items, found, strict=True)]

    def accuracy(chosen: list[int]) -> dict[str, Any]:
        return {
            "n": len(chosen),
            "accuracy": round(sum(hits[i] for i in chosen) / len(chosen), 3) if chosen else None,
        }

    groups: dict[str, dict[str, list[int]]] = {
        "kind": defaultdict(list),
        "language": defaultdict(list),
    }
    for i, item in enumerate(items):
        groups["kind"][str(item.get("kind") or "other")].append(i)
        language = str(item.get("language") or "nl")
        if language == "nl":
            groups["language"]["nl"].append(i)
        else:
            groups["language"]["other languages"].append(i)
            groups["language"][language].append(i)
    crisis = [i for i, item in enumerate(items) if item.get("crisis")]
    calm = [i for i, item in enumerate(items) if not item.get("crisis")]
    out_of_scope = [i for i, item in enumerate(items) if item["topic"] == OUT_OF_SCOPE]
    tiers = [tier for _, tier in found]
    return {
        "all": accuracy(list(range(len(items)))),
        "macro_f1": round(
            macro_f1(
                (str(item["topic"]), CRISIS if hit and item["topic"] == CRISIS else topic)
                for item, (topic, _), hit in zip(items, found, hits, strict=True)
            ),
            3,
        ),
        "per_kind": {k: accuracy(v) for k, v in sorted(groups["kind"].items())},
        "per_language": {k: accuracy(v) for k, v in sorted(groups["language"].items())},
        "out_of_scope_recall": accuracy(out_of_scope),
        "crisis_recall_certain": round(
            sum(tiers[i] == "certain" or found[i][0] == CRISIS for i in crisis) / len(crisis), 3
        )
        if crisis
        else None,
        "crisis_recall_any_tier": round(sum(tiers[i] != "none" for i in crisis) / len(crisis), 3)
        if crisis
        else None,
        "false_alarms_certain": round(sum(found[i][0] == CRISIS for i in calm) / len(calm), 3)
        if calm
        else None,
        "false_alarms_any_tier": round(
            sum(found[i][0] == CRISIS or tiers[i] != "none" for i in calm) / len(calm), 3
        )
        if calm
        else None,
        "wrong": [i for i, hit in enumerate(hits) if not hit],
        "found": [topic for topic, _ in found],
    }


def print_half(label: str, result: Mapping[str, Any]) -> None:
    """The numbers of one half, as `make bench-nlu` prints them."""
    every = result["all"]
    print(f"real words, {label}: {every['n']} items")
    print(f"  topic accuracy:    {every['accuracy']:.3f}   macro F1 {result['macro_f1']:.3f}")
    for group in ("per_kind", "per_language"):
        print(
            "  "
            + ", ".join(
                f"{name} {v['accuracy']:.3f} ({v['n']})" for name, v in result[group].items()
            )
        )
    oos = result["out_of_scope_recall"]
    if oos["n"]:
        print(f"  out-of-scope recall: {oos['accuracy']:.3f} ({oos['n']})")
    print(
        f"  crisis recall: certain {result['crisis_recall_certain']}, any tier "
        f"{result['crisis_recall_any_tier']}; false alarms: certain "
        f"{result['false_alarms_certain']}, any tier {result['false_alarms_any_tier']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--final", action="store_true", help="also the sealed final half (once)")
    parser.add_argument("--errors", action="store_true", help="list the dev half's wrong answers")
    args = parser.parse_args()
    halves = {"dev half": (REAL_DEV, True)}
    if args.final:
        halves["SEALED final half"] = (REAL_FINAL, False)
    results: dict[str, Any] = {}
    dev: list[dict[str, Any]] = []
    with served_model() as parse:
        for label, (path, readable) in halves.items():
            items = read_items(path)
            dev = dev or items
            result = evaluate(items, parse)
            print_half(label, result)
            if readable and args.errors:
                for i in result["wrong"]:
                    item = items[i]
                    print(
                        f"    {item['id']} [{item.get('kind')}/{item.get('language')}] "
                        f"{item['topic']} -> {result['found'][i]}: {item['text'][:110]!r}"
                    )
            if not readable:  # counts only: which items were wrong is not kept
                result = {k: v for k, v in result.items() if k not in ("wrong", "found")}
            results[label] = {k: v for k, v in result.items() if k != "found"}
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench_real_words.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    counts = Counter(str(item["topic"]) for item in dev)
    print("dev half topics: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
