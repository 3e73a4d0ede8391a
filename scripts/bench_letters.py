"""`make bench-letters`: read every letter of the team's set and score each field.

Prints per-field accuracy against the truth in tests/letters/data/sources/*.yml, the time per
letter (p50/p95, the OCR engine loaded once beforehand, as in the gateway) and the peak memory
of this process. ONNX Runtime gets 2 threads: the machines have 2 cores.

    .venv/bin/python scripts/bench_letters.py [--threads 2] [--only ID] [--misses]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "letters" / "data"
FIELDS = (
    "kind", "sender_kind", "amount_due", "deadline", "event_date", "urgent", "iban",
    "has_bsn", "letter_date",
)  # fmt: skip
TARGETS = {"kind": 0.90, "amount_due": 0.90, "deadline": 0.85, "urgent": 0.95}
CONTENT_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


def load_truth() -> list[dict[str, Any]]:
    letters: list[dict[str, Any]] = []
    for path in sorted((DATA / "sources").glob("*.yml")):
        letters.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return letters


def letter_file(letter_id: str) -> Path:
    matches = sorted((DATA / "letters").glob(f"{letter_id}.*"))
    if not matches:
        raise SystemExit(f"no file for {letter_id}: run scripts/make_letter_set.py")
    return matches[0]


def same_name(expected: str | None, got: str | None) -> bool:
    """Case and spaces aside, one name contains the other ("CJIB" in "CJIB Leeuwarden")."""
    if not expected or not got:
        return expected == got
    a, b = (re.sub(r"\W", "", name.lower()) for name in (expected, got))
    return a in b or b in a


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help="one letter id")
    parser.add_argument("--misses", action="store_true", help="print every wrong field")
    args = parser.parse_args()

    from bot.letters import ocr
    from bot.letters.read import read_letter

    letters = [x for x in load_truth() if not args.only or x["id"] == args.only]
    started = time.perf_counter()
    ocr.engine(args.threads).read(_blank(), 0)  # load the models once, as a worker would
    load_seconds = time.perf_counter() - started

    right = dict.fromkeys((*FIELDS, "sender_name"), 0)
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    load_before = os.getloadavg()[0]
    misses: list[str] = []
    for letter in letters:
        path = letter_file(letter["id"])
        data = path.read_bytes()
        started, cpu_started = time.perf_counter(), _cpu()
        reading = read_letter(data, CONTENT_TYPES.get(path.suffix), threads=args.threads)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(_cpu() - cpu_started)
        got = reading.to_json()
        truth = letter["truth"]
        for name in FIELDS:
            if got[name] == truth[name]:
                right[name] += 1
            else:
                misses.append(f"{letter['id']}: {name} expected {truth[name]!r}, got {got[name]!r}")
        if same_name(truth.get("sender_name"), got["sender_name"]):
            right["sender_name"] += 1
        else:
            misses.append(
                f"{letter['id']}: sender_name expected {truth.get('sender_name')!r}, got {got['sender_name']!r}"
            )

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = len(letters)
    print(f"letters: {total} ({ROOT.name}), ONNX Runtime threads: {args.threads}")
    print(f"{'field':<14}{'accuracy':>9}{'target':>8}")
    failed = False
    for name in (*FIELDS, "sender_name"):
        accuracy = right[name] / total if total else 0.0
        target = TARGETS.get(name)
        mark = ""
        if target is not None:
            mark = "ok" if accuracy >= target else "BELOW"
            failed |= accuracy < target
        print(f"{name:<14}{accuracy:>9.3f}{target or '':>8}  {mark}")
    p50, p95 = statistics.median(seconds), percentile(seconds, 0.95)
    print(
        f"time per letter: p50 {p50:.2f} s, p95 {p95:.2f} s (target p95 <= 8 s), max {max(seconds):.2f} s"
    )
    print(
        f"CPU time per letter (all threads): p50 {statistics.median(cpu_seconds):.2f} s, "
        f"p95 {percentile(cpu_seconds, 0.95):.2f} s"
    )
    print(
        f"machine load average (1 min) before/after: {load_before:.1f} / {os.getloadavg()[0]:.1f}"
    )
    print(f"model load once per process: {load_seconds:.2f} s")
    print(f"peak memory (max RSS of this process): {peak_mb:.0f} MB")
    if args.misses and misses:
        print("\nmisses:")
        for line in misses:
            print(f"  {line}")
    return 1 if failed or p95 > 8.0 else 0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _blank() -> Any:
    import numpy as np

    return np.full((64, 256, 3), 255, np.uint8)


if __name__ == "__main__":
    sys.exit(main())
