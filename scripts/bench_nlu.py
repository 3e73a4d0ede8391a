"""`make bench-nlu`: how well the NLU understands residents, on three sets, and how fast.

Trains an NLU-only model (same config.yml, or `--config other.yml`) on a stratified 80% split of
`nlu_data/` (fixed seed), serves it with `rasa run --enable-api` on a free loopback port and
parses over real HTTP: the held-out 20%, `tests/nlu/data/unseen.yml` (short WhatsApp lines) and
`tests/nlu/data/registers.yml` (the registers real people write in; never trained on). For each
set it prints accuracy, macro F1, out-of-scope recall, wrong answers without fallback and wrong
money-topic answers; per register for the second set; English detection; the safety engineer's
crisis set (rasa_addons/safety/measure.py) when it is there; parse p50/p95 and training time.
`--variant name` measures one change to config.yml (see `variant`), `--config file` another
configuration. Results: `results/bench_nlu.json` (or `results/bench_nlu_<config>.json`).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.topics import TOPIC_INTENTS  # noqa: E402
from harness.rasa_stack import RASA_COMMAND, free_port, wait_http  # noqa: E402

SEED = 42
HOLD_OUT = 0.2
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
# a wrong answer among these is the harmful kind: a money answer to a question that was not
MONEY_TOPICS = frozenset(TOPIC_INTENTS) - {"crisis", "ask_human", "privacy_trust"}
DATA = ROOT / "tests" / "nlu" / "data"
# fallback thresholds recomputed from the rankings (no retraining needed)
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6)
AMBIGUITIES = (0.0, 0.03, 0.08)

Parse = Callable[[str], dict[str, Any]]


# one intent example: its line (annotations kept) and its block's metadata (a knowledge-base
# entry's id: the knowledge matcher trains on those and refuses fewer than two entries)
Example = tuple[str, dict[str, Any] | None]


def load() -> tuple[dict[str, list[Example]], list[dict[str, Any]]]:
    """Intent examples with their block's metadata, and every other NLU block."""
    intents: dict[str, list[Example]] = defaultdict(list)
    other: list[dict[str, Any]] = []
    for path in sorted((ROOT / "nlu_data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                intents[block["intent"]] += [
                    (ln[2:], block.get("metadata"))
                    for ln in block["examples"].splitlines()
                    if ln.startswith("- ")
                ]
            else:
                other.append(block)
    return intents, other


def split(
    intents: dict[str, list[Example]],
) -> tuple[dict[str, list[Example]], list[tuple[str, str]]]:
    """A stratified 80/20 split with a fixed seed: (training examples, held-out pairs)."""
    rng = random.Random(SEED)
    train, test = {}, []
    for intent, examples in intents.items():
        shuffled = examples[:]
        rng.shuffle(shuffled)
        n = max(1, round(len(shuffled) * HOLD_OUT)) if len(shuffled) >= 5 else 0
        test += [(re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", e), intent) for e, _ in shuffled[:n]]
        train[intent] = shuffled[n:]
    return train, test


def write_train(train: dict[str, list[Example]], other: list[dict[str, Any]], folder: Path) -> Path:
    """Write the training part as one Rasa NLU file: a block per intent and metadata."""
    blocks: dict[tuple[str, str], dict[str, Any]] = {}
    for intent, examples in train.items():
        for example, metadata in examples:
            block = blocks.setdefault(
                (intent, json.dumps(metadata, sort_keys=True)),
                {"intent": intent, **({"metadata": metadata} if metadata else {}), "examples": ""},
            )
            block["examples"] += f"- {example}\n"
    path = folder / "nlu.yml"
    path.write_text(
        yaml.safe_dump(
            {"version": "3.1", "nlu": [*blocks.values(), *other]},
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return path


def f1_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """F1 per gold label of (gold, predicted) pairs."""
    labels = {gold for gold, _ in pairs}
    scores = {}
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[label] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


def load_unseen() -> list[tuple[str, str]]:
    """(text, intent) pairs of tests/nlu/data/unseen.yml."""
    data = yaml.safe_load((DATA / "unseen.yml").read_text(encoding="utf-8"))
    return [(text, intent) for intent, texts in data.items() for text in texts]


def load_registers() -> list[tuple[str, str, str]]:
    """(text, intent, register) triples of tests/nlu/data/registers.yml."""
    data = yaml.safe_load((DATA / "registers.yml").read_text(encoding="utf-8"))
    return [
        (str(text), intent, register)
        for register, intents in data.items()
        for intent, texts in intents.items()
        for text in texts
    ]


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def score(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy, macro F1, fallback, out-of-scope recall and wrong answers of (gold, predicted)."""
    if not pairs:
        return {"messages": 0}
    scores = f1_scores(pairs)
    oos = [p for g, p in pairs if g == OUT_OF_SCOPE]
    return {
        "messages": len(pairs),
        "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4),
        "macro_f1": round(statistics.mean(scores.values()), 4),
        "fallback_rate": round(sum(p == FALLBACK for _, p in pairs) / len(pairs), 4),
        "out_of_scope_recall": round(sum(p == OUT_OF_SCOPE for p in oos) / len(oos), 4)
        if oos
        else None,
        # an out-of-scope question that fell back was at least not answered as a money topic
        "out_of_scope_not_answered_as_topic": round(
            sum(p not in MONEY_TOPICS for p in oos) / len(oos), 4
        )
        if oos
        else None,
        "wrong_and_not_fallback": sum(1 for g, p in pairs if p not in (g, FALLBACK)),
        "wrong_money_topic": sum(1 for g, p in pairs if p != g and p in MONEY_TOPICS),
        "per_intent_f1": {k: round(v, 3) for k, v in sorted(scores.items())},
    }


def http_parser(port: int, latencies: list[float]) -> Parse:
    """A function that parses one text over HTTP and records its latency in ms."""

    def parse(text: str) -> dict[str, Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/model/parse",
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
            parsed: dict[str, Any] = json.load(resp)
        latencies.append((time.perf_counter() - started) * 1000)
        return parsed

    return parse


def crisis_report(parse: Parse) -> tuple[dict[str, Any], str] | None:
    """The safety engineer's crisis set on this model: `rasa_addons/safety/measure.py`, when present.

    Returns the numbers (for the JSON) and the lines to print, or None without that module.
    """
    if not (ROOT / "rasa_addons" / "safety" / "measure.py").exists():
        return None
    measure = importlib.import_module("rasa_addons.safety.measure")
    report = measure.measure_parse(parse, name="bench-nlu model (80% split)")
    return report.as_dict(), measure.format_report(report)


def train_model(config: Path, nlu: Path, folder: Path, env: dict[str, str]) -> float:
    """Train the NLU-only model; return the seconds it took."""
    started = time.monotonic()
    subprocess.run(  # noqa: S603
        [
            *RASA_COMMAND,
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(nlu),
            "--out",
            str(folder),
            "--fixed-model-name",
            "bench",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def _name(parsed: dict[str, Any]) -> str:
    return str(parsed["intent"]["name"])


def with_threshold(parsed: dict[str, Any], threshold: float, ambiguity: float) -> str:
    """The intent Rasa's FallbackClassifier would give with other thresholds (from the ranking)."""
    ranking = [r for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    if not ranking:
        return _name(parsed)
    top = float(ranking[0].get("confidence") or 0.0)
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return FALLBACK
    return str(ranking[0]["name"])


def threshold_table(sets: dict[str, list[tuple[str, dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Accuracy and wrong answers per fallback threshold, recomputed from the same parses."""
    rows = []
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            row: dict[str, Any] = {"threshold": threshold, "ambiguity": ambiguity}
            for name, parsed in sets.items():
                pairs = [(gold, with_threshold(p, threshold, ambiguity)) for gold, p in parsed]
                scored = score(pairs)
                row[name] = {
                    k: scored[k] for k in ("accuracy", "fallback_rate", "wrong_and_not_fallback")
                }
                row[name]["wrong_money_topic"] = scored["wrong_money_topic"]
            rows.append(row)
    return rows


def evaluate(parse: Parse, test: list[tuple[str, str]]) -> dict[str, Any]:
    """Parse every set and score it."""
    held = [(gold, parse(text)) for text, gold in test]
    unseen = [(gold, _name(parse(text))) for text, gold in load_unseen()]
    by_register: dict[str, list[tuple[str, str]]] = defaultdict(list)
    english_flags: dict[str, list[bool]] = defaultdict(list)
    registers: list[tuple[str, dict[str, Any]]] = []
    wrong: list[dict[str, str]] = []
    for text, gold, register in load_registers():
        parsed = parse(text)
        predicted = _name(parsed)
        registers.append((gold, parsed))
        by_register[register].append((gold, predicted))
        english_flags[register].append(parsed.get("language") == "en")
        if predicted != gold:
            wrong.append({"register": register, "gold": gold, "got": predicted, "text": text})
    english = english_flags.pop("english", [])
    others = [flag for flags in english_flags.values() for flag in flags]
    return {
        "held_out": score([(gold, _name(p)) for gold, p in held]),
        "unseen": {
            **score(unseen),
            "crisis_recall": round(
                sum(p == "crisis" for g, p in unseen if g == "crisis")
                / max(1, sum(g == "crisis" for g, _ in unseen)),
                4,
            ),
        },
        "registers": {
            **score([(gold, _name(p)) for gold, p in registers]),
            "per_register_accuracy": {
                name: round(sum(g == p for g, p in pairs) / len(pairs), 3)
                for name, pairs in by_register.items()
            },
            "english_detected": round(sum(english) / len(english), 3) if english else None,
            "dutch_taken_for_english": sum(others),
            "wrong": wrong,
        },
        "thresholds": threshold_table({"held_out": held, "registers": registers}),
    }


def print_set(name: str, result: dict[str, Any]) -> None:
    """Print one set's headline numbers."""
    oos = result.get("out_of_scope_recall")
    oos_text = (
        f", out of scope {oos:.2f} (not a money answer {result['out_of_scope_not_answered_as_topic']:.2f})"
        if oos is not None
        else ""
    )
    print(
        f"{name:18s} {result['messages']:4d} msgs  accuracy {result['accuracy']:.3f}  "
        f"macro F1 {result['macro_f1']:.3f}  fell back {result['fallback_rate']:.1%}{oos_text}"
    )
    print(
        f"{'':18s} wrong without falling back {result['wrong_and_not_fallback']}, "
        f"of which a wrong money topic {result['wrong_money_topic']}"
    )


def _replace(pipeline: list[dict[str, Any]], name: str, new: list[dict[str, Any]]) -> None:
    index = next(i for i, c in enumerate(pipeline) if c["name"] == name)
    pipeline[index : index + 1] = new


LOGREG = {"name": "LogisticRegressionClassifier", "max_iter": 300, "random_state": 42}


def variant(name: str, folder: Path) -> Path:
    """config.yml with one change (the pipeline comparison of docs/nlu.md), written to folder."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    pipeline: list[dict[str, Any]] = config["pipeline"]
    diet = next(c for c in pipeline if c["name"] == "DIETClassifier")
    fallback = next(c for c in pipeline if c["name"] == "FallbackClassifier")
    if name == "normaliser":
        _replace(
            pipeline,
            "WhitespaceTokenizer",
            [
                {"name": "WhitespaceTokenizer"},
                {"name": "rasa_addons.dutch_normaliser.DutchNormaliser"},
            ],
        )
    elif name == "logreg":
        _replace(pipeline, "DIETClassifier", [LOGREG])
    elif name == "ensemble":
        _replace(
            pipeline,
            "DIETClassifier",
            [
                LOGREG,
                {"name": "rasa_addons.intent_ensemble.RankingStash"},
                diet,
                {"name": "rasa_addons.intent_ensemble.IntentEnsemble", "weight": 0.5},
            ],
        )
    elif name == "dietlite":
        # DIET without its transformer layers: an MLP over the same sparse features
        diet["number_of_transformer_layers"] = 0
    elif name.startswith("diet") and name[4:].isdigit():
        diet["epochs"] = int(name[4:])
    elif name == "nofallback":
        fallback["threshold"], fallback["ambiguity_threshold"] = 0.0, 0.0
    else:
        raise SystemExit(f"unknown variant {name!r}")
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def main() -> int:
    """Train, serve, parse, score, print and save."""
    config = (
        Path(sys.argv[sys.argv.index("--config") + 1])
        if "--config" in sys.argv
        else ROOT / "config.yml"
    )
    variants_dir = Path(tempfile.mkdtemp(prefix="bench-nlu-config-"))
    if "--variant" in sys.argv:
        config = variant(sys.argv[sys.argv.index("--variant") + 1], variants_dir)
    intents, other = load()
    train, test = split(intents)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "GELDHULP_RASA_CHANNEL_TOKEN": "bench-nlu",
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
    }
    latencies: list[float] = []
    (ROOT / "results").mkdir(exist_ok=True)
    server_log = ROOT / "results" / "bench_nlu_server.log"
    with tempfile.TemporaryDirectory() as tmp, server_log.open("wb") as log:
        folder = Path(tmp)
        train_seconds = train_model(config, write_train(train, other, folder), folder, env)
        # NLU only: no action server, trackers in memory (the real endpoints.yml wants a database)
        endpoints = folder / "endpoints.yml"
        endpoints.write_text("# bench-nlu: in-memory trackers\n", encoding="utf-8")
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                *RASA_COMMAND,
                "run",
                "--enable-api",
                "--model",
                str(folder / "bench.tar.gz"),
                "--endpoints",
                str(endpoints),
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/status", 240, server)
            parse = http_parser(port, latencies)
            result: dict[str, Any] = evaluate(parse, test)
            crisis = crisis_report(parse)
        finally:
            server.terminate()
            server.wait(timeout=30)
    result.update(
        {
            "train_messages": sum(len(v) for v in train.values()),
            "crisis_set": crisis[0] if crisis else None,
            "latency_ms_p50": round(percentile(latencies, 0.5), 1),
            "latency_ms_p95": round(percentile(latencies, 0.95), 1),
            "train_seconds": round(train_seconds, 1),
            "seed": SEED,
            "config": str(config.relative_to(ROOT) if config.is_relative_to(ROOT) else config),
        }
    )
    out = "bench_nlu.json" if config == ROOT / "config.yml" else f"bench_nlu_{config.stem}.json"
    (ROOT / "results" / out).write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    print(f"config {result['config']}, trained on {result['train_messages']} messages (80%)")
    print_set("held-out 20%", result["held_out"])
    print_set("unseen (WhatsApp)", result["unseen"])
    print(f"{'':18s} crisis recall {result['unseen']['crisis_recall']:.2f}")
    registers = result["registers"]
    print_set("registers", registers)
    print(
        "  per register: "
        + ", ".join(f"{k} {v:.2f}" for k, v in registers["per_register_accuracy"].items())
    )
    if registers["english_detected"] is not None:
        print(
            f"  English messages answered as English: {registers['english_detected']:.2f}; "
            f"Dutch messages taken for English: {registers['dutch_taken_for_english']}"
        )
    if crisis is None:
        print("crisis set:        not available (rasa_addons/safety/measure.py is not there yet)")
    else:
        print(crisis[1])
    print(
        f"parse latency:     p50 {result['latency_ms_p50']} ms, p95 {result['latency_ms_p95']} ms"
        f" ({len(latencies)} parses)"
    )
    print(f"NLU training:      {result['train_seconds']} s")
    print("fallback threshold / ambiguity: accuracy, wrong without fallback (held-out | registers)")
    for row in result["thresholds"]:
        held, reg = row["held_out"], row["registers"]
        print(
            f"  {row['threshold']:.2f} / {row['ambiguity']:.2f}: "
            f"{held['accuracy']:.3f} {held['wrong_and_not_fallback']:3d} | "
            f"{reg['accuracy']:.3f} {reg['wrong_and_not_fallback']:3d} "
            f"(money topic {reg['wrong_money_topic']})"
        )
    print("registers, F1 per intent:")
    for name, value in registers["per_intent_f1"].items():
        print(f"  {name:22s} {value:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
