"""The real-words evaluation set (tests/nlu/data/real/): well formed, sealed, never trained on.

No Rasa here: this only checks the files. Both halves load, every item carries the agreed
fields with known values and an https source, ids are unique across halves, no item text occurs
in the training data (nlu_data/), the sealed half matches the sha256 in the README, and the set
holds at least 300 real messages. The items of the sealed half are never printed.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from bot.topics import TOPIC_INTENTS
from bot.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "nlu" / "data" / "real"
DEV = REAL / "dev.yml"
FINAL = REAL / "final.sealed.yml.gz"
README = REAL / "README.md"
TRAINING = ROOT / "nlu_data"

FIELDS = {"id", "text", "language", "kind", "topic", "crisis", "urgent", "source", "retrieved"}
OPTIONAL = {"note"}
KINDS = {"question", "story", "emotional", "crisis", "plea", "out_of_scope", "other"}
TOPICS = {*TOPIC_INTENTS, "out_of_scope"}
# ISO 639-1 codes of the languages gathered, plus the ones the brief names
LANGUAGES = {"nl", "en", "pl", "tr", "ar", "uk", "fy", "ru", "de", "no", "fr", "es", "it"}
ID_PATTERN = re.compile(r"^rw-\d{4}$")
DATE_PATTERN = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
MINIMUM_ITEMS = 300


def _items(document: Any) -> list[dict[str, Any]]:
    assert isinstance(document, dict) and set(document) == {"items"}
    items = document["items"]
    assert isinstance(items, list) and items
    return items


@pytest.fixture(scope="module")
def dev() -> list[dict[str, Any]]:
    return _items(parse_yaml(DEV.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def final() -> list[dict[str, Any]]:
    return _items(parse_yaml(gzip.decompress(FINAL.read_bytes()).decode("utf-8")))


@pytest.fixture(scope="module")
def everything(dev: list[dict[str, Any]], final: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return dev + final


def test_the_set_is_large_enough(everything: list[dict[str, Any]]) -> None:
    assert len(everything) >= MINIMUM_ITEMS


def test_every_item_has_the_fields_and_known_values(everything: list[dict[str, Any]]) -> None:
    problems: list[str] = []
    for item in everything:
        keys = set(item)
        if not keys >= FIELDS or not keys <= FIELDS | OPTIONAL:
            problems.append(f"{item.get('id')}: fields {sorted(keys ^ FIELDS)}")
            continue
        checks = {
            "id": bool(ID_PATTERN.match(str(item["id"]))),
            "text": isinstance(item["text"], str) and item["text"].strip() == item["text"] != "",
            "language": item["language"] in LANGUAGES,
            "kind": item["kind"] in KINDS,
            "topic": item["topic"] in TOPICS,
            "crisis": isinstance(item["crisis"], bool),
            "urgent": isinstance(item["urgent"], bool),
            "retrieved": bool(DATE_PATTERN.match(str(item["retrieved"]))),
            "note": isinstance(item.get("note", ""), str),
        }
        problems += [f"{item['id']}: {name}" for name, ok in checks.items() if not ok]
    assert problems == []


def test_labels_agree_with_each_other(everything: list[dict[str, Any]]) -> None:
    """The crisis topic goes with the crisis flag, out-of-scope kind with out-of-scope topic."""
    wrong = [
        item["id"]
        for item in everything
        if (item["topic"] == "crisis") != item["crisis"]
        or (item["kind"] == "out_of_scope") != (item["topic"] == "out_of_scope")
        or (item["kind"] == "crisis" and not item["crisis"])
    ]
    assert wrong == []


def test_every_source_is_an_https_url(everything: list[dict[str, Any]]) -> None:
    bad = [
        item["id"]
        for item in everything
        if not re.match(r"^https://[^\s/\"]+\.[^\s/\"]+(/\S*)?$", str(item["source"]))
    ]
    assert bad == []


def test_ids_and_texts_are_unique_across_halves(
    dev: list[dict[str, Any]], final: list[dict[str, Any]]
) -> None:
    ids = [item["id"] for item in dev + final]
    assert len(ids) == len(set(ids))
    texts = [item["text"].casefold() for item in dev + final]
    assert len(texts) == len(set(texts))


def test_both_halves_cover_the_main_kinds(
    dev: list[dict[str, Any]], final: list[dict[str, Any]]
) -> None:
    for half in (dev, final):
        kinds = {item["kind"] for item in half}
        assert {"question", "story", "emotional", "crisis", "out_of_scope"} <= kinds
        assert abs(len(dev) - len(final)) <= len(dev + final) // 10


def test_no_item_text_is_in_the_training_data(everything: list[dict[str, Any]]) -> None:
    files = [path for path in TRAINING.rglob("*") if path.is_file()]
    assert files, "nlu_data/ holds the training data"
    training = "\n".join(
        " ".join(path.read_text(encoding="utf-8", errors="ignore").split()).casefold()
        for path in files
    )
    found = [item["id"] for item in everything if item["text"].casefold() in training]
    assert found == []


def test_the_sealed_file_matches_the_readme() -> None:
    digest = hashlib.sha256(FINAL.read_bytes()).hexdigest()
    recorded = re.search(r"sha256.*?`([0-9a-f]{64})`", README.read_text(encoding="utf-8"), re.S)
    assert recorded, "the README records the sha256 of the sealed half"
    assert digest == recorded.group(1)
