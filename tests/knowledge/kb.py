"""The knowledge base as data, read once for the tests (no Rasa)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
NLU = ROOT / "nlu_data" / "knowledge"
DOMAIN = ROOT / "domain" / "knowledge"
PARAPHRASES = ROOT / "tests" / "knowledge" / "data" / "paraphrases.yml"


@dataclass
class Entry:
    """One knowledge-base entry: its examples (nlu_data) and its answer (domain)."""

    id: str
    topic_file: str
    intent: str
    examples: list[str] = field(default_factory=list)
    answer: dict | None = None


def _examples(block: dict) -> list[str]:
    return [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]


def load() -> dict[str, Entry]:
    """Every entry by id, from nlu_data/knowledge and domain/knowledge."""
    entries: dict[str, Entry] = {}
    for path in sorted(NLU.glob("*.yml")):
        for block in parse_yaml(path.read_text(encoding="utf-8"))["nlu"]:
            if "kb" not in (block.get("metadata") or {}):
                continue  # contrast.yml: questions next to the knowledge base, no entry
            entry_id = block["metadata"]["kb"]
            entry = entries.setdefault(entry_id, Entry(entry_id, path.stem, block["intent"]))
            entry.examples += _examples(block)
    for path in sorted(DOMAIN.glob("*.yml")):
        for name, variants in parse_yaml(path.read_text(encoding="utf-8"))["responses"].items():
            entry_id = re.sub(r"^utter_kb_", "", name)
            entries.setdefault(entry_id, Entry(entry_id, path.stem, "")).answer = variants[0]
    return entries


def paraphrases() -> dict[str, list[str]]:
    """The held-out paraphrases, by entry id."""
    return parse_yaml(PARAPHRASES.read_text(encoding="utf-8"))


ENTRIES = load()
PARAPHRASES_BY_ENTRY = paraphrases()
