"""Split the real-words evaluation set once into a readable dev half and a sealed final half.

Input: one unsplit YAML list of labelled real messages (kept outside the repository, so that the
final half cannot be read from it). Each item uses the full field names of
tests/nlu/data/real/README.md (text, language, kind, topic, crisis, urgent, source, retrieved,
note) or the short draft keys (t, l, k, c, x, u, s, r, n).

Output, in --out (default tests/nlu/data/real):
  dev.yml                 {"items": [...]} as plain YAML, for reading errors
  final.sealed.yml.gz     the same YAML, gzipped (deterministic: mtime 0, no file name)

The split is stratified by (kind, language) with a fixed seed: inside each stratum the items are
shuffled and dealt alternately, each stratum starting on the half that is smaller so far. Ids
(rw-0001, ...) follow the input order. The script refuses to overwrite existing halves: the
split is made once. It prints the sha256 of the sealed file and the counts of both halves.

Usage: .venv/bin/python scripts/split_real_words.py DRAFT.yml [--out DIR]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

SEED = 17
FIELDS = (
    "id",
    "text",
    "language",
    "kind",
    "topic",
    "crisis",
    "urgent",
    "source",
    "retrieved",
    "note",
)
SHORT_KEYS = {
    "t": "text",
    "l": "language",
    "k": "kind",
    "c": "topic",
    "x": "crisis",
    "u": "urgent",
    "s": "source",
    "r": "retrieved",
    "n": "note",
}
DEV_NAME = "dev.yml"
FINAL_NAME = "final.sealed.yml.gz"

Item = dict[str, Any]


def normalise_source(url: str) -> str:
    """An https address without characters that are not allowed in a URL."""
    url = url.strip()
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    return url.replace('"', "%22").replace(" ", "%20")


def expand(raw: dict[str, Any], number: int) -> Item:
    """One item with the full field names, an id and normalised values."""
    item = {SHORT_KEYS.get(key, key): value for key, value in raw.items()}
    out: Item = {"id": f"rw-{number:04d}"}
    out["text"] = " ".join(str(item["text"]).split())
    out["language"] = str(item["language"])
    out["kind"] = str(item["kind"])
    out["topic"] = str(item["topic"])
    out["crisis"] = bool(item["crisis"])
    out["urgent"] = bool(item["urgent"])
    out["source"] = normalise_source(str(item["source"]))
    out["retrieved"] = str(item["retrieved"])
    if item.get("note"):
        out["note"] = str(item["note"])
    return {field: out[field] for field in FIELDS if field in out}


def split(items: list[Item], seed: int = SEED) -> tuple[list[Item], list[Item]]:
    """Deal every (kind, language) stratum alternately over the two halves."""
    rng = random.Random(seed)
    strata: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        strata[(item["kind"], item["language"])].append(item)
    dev: list[Item] = []
    final: list[Item] = []
    for key in sorted(strata):
        members = list(strata[key])
        rng.shuffle(members)
        first, second = (dev, final) if len(dev) <= len(final) else (final, dev)
        for position, item in enumerate(members):
            (first if position % 2 == 0 else second).append(item)
    order = {item["id"]: index for index, item in enumerate(items)}
    dev.sort(key=lambda item: order[item["id"]])
    final.sort(key=lambda item: order[item["id"]])
    return dev, final


def dump(items: list[Item]) -> str:
    return yaml.safe_dump({"items": items}, allow_unicode=True, sort_keys=False, width=100)


def gzip_bytes(text: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return buffer.getvalue()


def counts(items: list[Item]) -> dict[str, dict[str, int]]:
    return {
        field: dict(sorted(Counter(str(item[field]) for item in items).items()))
        for field in ("kind", "language", "topic", "crisis", "urgent")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("draft", type=Path, help="the unsplit, labelled YAML list")
    parser.add_argument("--out", type=Path, default=Path("tests/nlu/data/real"))
    args = parser.parse_args(argv)

    dev_path = args.out / DEV_NAME
    final_path = args.out / FINAL_NAME
    if dev_path.exists() or final_path.exists():
        print(f"refusing: {args.out} already holds a split (it is made once)", file=sys.stderr)
        return 1

    raw = yaml.safe_load(args.draft.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        print("the draft must be a YAML list of items", file=sys.stderr)
        return 1
    items = [expand(entry, number) for number, entry in enumerate(raw, start=1)]
    texts = Counter(item["text"] for item in items)
    doubles = [text for text, seen in texts.items() if seen > 1]
    if doubles:
        print(f"refusing: {len(doubles)} texts occur twice, e.g. {doubles[0]!r}", file=sys.stderr)
        return 1

    dev, final = split(items)
    sealed = gzip_bytes(dump(final))
    args.out.mkdir(parents=True, exist_ok=True)
    dev_path.write_text(dump(dev), encoding="utf-8")
    final_path.write_bytes(sealed)
    report = {
        "sha256_final": hashlib.sha256(sealed).hexdigest(),
        "total": len(items),
        "dev": {"n": len(dev), **counts(dev)},
        "final": {"n": len(final), **counts(final)},
    }
    print(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
