"""`make bench-nlu`: intent accuracy and F1 on a held-out 20% of our data, and parse latency.

Trains an NLU-only model (same config.yml) on a stratified 80% split (fixed seed), serves it with
`rasa run --enable-api` on a free loopback port, parses every held-out message over real HTTP and
prints accuracy, macro F1, per-intent F1 and latency p50/p95. Results: results/bench_nlu.json.
"""

from __future__ import annotations

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
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support.rasa_stack import RASA_BIN, free_port, wait_http  # noqa: E402

SEED = 42
HOLD_OUT = 0.2


def load() -> tuple[dict[str, list[str]], list[dict]]:
    """Intent examples (raw lines, annotations kept) and every other NLU block."""
    intents: dict[str, list[str]] = defaultdict(list)
    other: list[dict] = []
    for path in sorted((ROOT / "nlu_data").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                intents[block["intent"]] += [
                    ln[2:] for ln in block["examples"].splitlines() if ln.startswith("- ")
                ]
            else:
                other.append(block)
    return intents, other


def split(intents: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    rng = random.Random(SEED)
    train, test = {}, []
    for intent, examples in intents.items():
        shuffled = examples[:]
        rng.shuffle(shuffled)
        n = max(1, round(len(shuffled) * HOLD_OUT)) if len(shuffled) >= 5 else 0
        test += [(re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", e), intent) for e in shuffled[:n]]
        train[intent] = shuffled[n:]
    return train, test


def write_train(train: dict[str, list[str]], other: list[dict], folder: Path) -> Path:
    blocks = [{"intent": i, "examples": "".join(f"- {e}\n" for e in ex)} for i, ex in train.items()]
    path = folder / "nlu.yml"
    path.write_text(
        yaml.safe_dump(
            {"version": "3.1", "nlu": blocks + other}, allow_unicode=True, sort_keys=False
        ),
        encoding="utf-8",
    )
    return path


def f1_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
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
    data = yaml.safe_load(
        (ROOT / "tests" / "nlu" / "data" / "unseen.yml").read_text(encoding="utf-8")
    )
    return [(text, intent) for intent, texts in data.items() for text in texts]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    config = (
        Path(sys.argv[sys.argv.index("--config") + 1])
        if "--config" in sys.argv
        else ROOT / "config.yml"
    )
    intents, other = load()
    train, test = split(intents)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "GELDHULP_RASA_CHANNEL_TOKEN": "bench-nlu",
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nlu = write_train(train, other, folder)
        started = time.monotonic()
        subprocess.run(  # noqa: S603
            [
                str(RASA_BIN),
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
        train_seconds = time.monotonic() - started
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [
                str(RASA_BIN),
                "run",
                "--enable-api",
                "--model",
                str(folder / "bench.tar.gz"),
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/status", 240, server)
            pairs, latencies, confident_wrong = [], [], 0
            for text, gold in test:
                body = json.dumps({"text": text}).encode()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/model/parse", data=body)
                t0 = time.perf_counter()
                with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
                    parsed = json.load(resp)
                latencies.append((time.perf_counter() - t0) * 1000)
                predicted = parsed["intent"]["name"]
                pairs.append((gold, predicted))
                if predicted not in (gold, "nlu_fallback"):
                    confident_wrong += 1
            # the held-back realistic messages of tests/nlu/data/unseen.yml (never training data)
            unseen_pairs = []
            for text, gold in load_unseen():
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/model/parse", data=json.dumps({"text": text}).encode()
                )
                with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
                    unseen_pairs.append((gold, json.load(resp)["intent"]["name"]))
        finally:
            server.terminate()
            server.wait(timeout=30)
    scores = f1_scores(pairs)
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    result = {
        "held_out_messages": len(pairs),
        "train_messages": sum(len(v) for v in train.values()),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(statistics.mean(scores.values()), 4),
        "fallback_rate": round(sum(p == "nlu_fallback" for _, p in pairs) / len(pairs), 4),
        "wrong_and_not_fallback": confident_wrong,
        "latency_ms_p50": round(percentile(latencies, 0.5), 1),
        "latency_ms_p95": round(percentile(latencies, 0.95), 1),
        "train_seconds": round(train_seconds, 1),
        "unseen_messages": len(unseen_pairs),
        "unseen_accuracy": round(sum(g == p for g, p in unseen_pairs) / len(unseen_pairs), 4),
        "unseen_crisis_recall": round(
            sum(p == "crisis" for g, p in unseen_pairs if g == "crisis")
            / max(1, sum(g == "crisis" for g, _ in unseen_pairs)),
            4,
        ),
        "per_intent_f1": {k: round(v, 3) for k, v in sorted(scores.items())},
        "seed": SEED,
    }
    (ROOT / "results").mkdir(exist_ok=True)
    result["config"] = str(config.relative_to(ROOT) if config.is_relative_to(ROOT) else config)
    out = "bench_nlu.json" if config == ROOT / "config.yml" else f"bench_nlu_{config.stem}.json"
    (ROOT / "results" / out).write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(
        f"held-out messages: {result['held_out_messages']} (trained on {result['train_messages']})"
    )
    print(f"intent accuracy:   {result['accuracy']:.3f}")
    print(f"intent macro F1:   {result['macro_f1']:.3f}")
    print(
        f"fell back:         {result['fallback_rate']:.1%}; wrong without falling back: {confident_wrong}"
    )
    print(
        f"unseen set:        accuracy {result['unseen_accuracy']:.3f} on {len(unseen_pairs)} messages, "
        f"crisis recall {result['unseen_crisis_recall']:.2f}"
    )
    print(
        f"parse latency:     p50 {result['latency_ms_p50']} ms, p95 {result['latency_ms_p95']} ms"
    )
    print(f"NLU training:      {result['train_seconds']} s")
    print("per intent F1:")
    for name, score in result["per_intent_f1"].items():
        print(f"  {name:22s} {score:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
