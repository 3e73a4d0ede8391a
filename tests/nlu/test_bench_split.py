"""`make bench-nlu` trains a model on an 80/20 split of nlu_data/: the training part must keep
what the pipeline needs, above all each block's metadata (the knowledge matcher trains on the
knowledge-base entries and refuses to train without them: the bench failed so, unnoticed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from bot.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location("bench_nlu", ROOT / "scripts/bench_nlu.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def _entries(blocks: list[dict]) -> set[str]:
    return {b["metadata"]["kb"] for b in blocks if "kb" in (b.get("metadata") or {})}


def test_the_training_part_keeps_every_knowledge_entry_and_the_split(tmp_path: Path) -> None:
    bench = _bench()
    intents, other = bench.load()
    train, test = bench.split(intents)
    written = parse_yaml(bench.write_train(train, other, tmp_path).read_text("utf-8"))
    blocks = [b for b in written["nlu"] if "intent" in b]
    every_entry = {
        b["metadata"]["kb"]
        for path in (ROOT / "nlu_data" / "knowledge").glob("*.yml")
        for b in parse_yaml(path.read_text("utf-8"))["nlu"]
        if "kb" in (b.get("metadata") or {})
    }
    assert len(every_entry) >= 300
    assert _entries(blocks) == every_entry  # each entry keeps at least one example
    lines = [ln[2:] for b in blocks for ln in b["examples"].splitlines()]
    assert len(lines) == sum(len(v) for v in train.values())
    assert 0.15 < len(test) / (len(test) + len(lines)) < 0.25  # the 20 % held out
