"""The knowledge base is complete and sourced: every entry has examples, a paraphrase and an
answer of at most three bubbles with a source URL, a checked date and a topic (no Rasa)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from tests.knowledge.kb import ENTRIES, PARAPHRASES_BY_ENTRY, ROOT
from tests.nlu.test_training_data import EXAMPLES

TOPIC_INTENTS = {
    "debt_help",
    "payment_arrears",
    "rent_housing",
    "energy_water",
    "health_insurance",
    "debt_collector",
    "benefits_toeslagen",
    "income_support",
    "food_basic_needs",
    "budgeting_admin",
    "tax_government_debt",
    "work_future",
}
# the topics the issue names: each has its own file (nlu_data/knowledge/<topic>.yml)
TOPIC_FILES = {
    "beslag", "vakantiegeld", "deurwaarder", "incassokosten", "betalingsregeling",
    "schuldregeling", "bewindvoering", "bkr", "toeslagen", "kwijtschelding", "bijstand",
    "voedselbank", "energie", "zorgverzekering", "cjib", "duo", "huur",
}  # fmt: skip
URL = re.compile(r"^https?://[^\s]+$")
# a euro amount in an answer must carry its year in the same bubble ("in 2024 …", "vanaf 2024")
EURO = re.compile(r"€\s?\d")
YEAR = re.compile(r"\b(19|20)\d{2}\b")
PHONE = re.compile(r"\b0[89]00-\d{4}\b")
KNOWN_PHONES = {"0800-8115", "0900-8020", "0800-0543", "0800-9009"}
IDS = sorted(ENTRIES)


def test_at_least_300_entries_across_every_topic() -> None:
    assert len(ENTRIES) >= 300, len(ENTRIES)
    per_file = Counter(e.topic_file for e in ENTRIES.values())
    assert set(per_file) >= TOPIC_FILES, TOPIC_FILES - set(per_file)
    assert min(per_file[t] for t in TOPIC_FILES) >= 8, per_file


def test_every_answer_has_examples_and_every_example_block_an_answer() -> None:
    without_answer = [e.id for e in ENTRIES.values() if e.answer is None]
    without_examples = [e.id for e in ENTRIES.values() if not e.examples]
    assert not without_answer and not without_examples, (without_answer, without_examples)


@pytest.mark.parametrize("entry_id", IDS)
def test_entry_is_complete_and_sourced(entry_id: str) -> None:
    entry = ENTRIES[entry_id]
    assert entry.intent in TOPIC_INTENTS, entry.intent
    assert 4 <= len(entry.examples) <= 8, len(entry.examples)
    answer = entry.answer or {}
    text = answer.get("text") or ""
    bubbles = [b for b in text.split("\n\n") if b.strip()]
    assert 1 <= len(bubbles) <= 3, bubbles
    metadata = answer.get("metadata") or {}
    assert URL.match(str(metadata.get("source"))), metadata
    for url in metadata.get("sources") or []:
        assert URL.match(str(url)), url
    assert date.fromisoformat(str(metadata.get("checked"))) <= date(2026, 12, 31)
    assert metadata.get("topic") == entry.intent
    assert "condition" not in answer and "channel" not in answer  # one Dutch response, no variants
    for bubble in bubbles:
        if EURO.search(bubble):
            assert YEAR.search(bubble), f"an amount without its year: {bubble}"
    assert set(PHONE.findall(text)) <= KNOWN_PHONES, "a phone number without a checked source"
    assert PARAPHRASES_BY_ENTRY.get(entry_id), "no paraphrase for the model test"


@pytest.mark.parametrize("entry_id", IDS)
def test_answer_is_written_in_je_form_without_avoided_words(entry_id: str) -> None:
    text = (ENTRIES[entry_id].answer or {}).get("text", "")
    words = set(re.findall(r"\w+", text.lower()))
    assert not words & {"u", "uw", "indien", "middels", "teneinde", "derhalve", "reeds", "tevens"}
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text.replace("\n", " ")) if s.strip()]
    too_long = [s for s in sentences if len(s.split()) > 25]
    assert not too_long, too_long


def test_paraphrases_are_not_training_data() -> None:
    known = {e.lower() for examples in EXAMPLES.values() for e in examples}
    leaked = [p for ps in PARAPHRASES_BY_ENTRY.values() for p in ps if p.lower() in known]
    assert not leaked, leaked
    assert set(PARAPHRASES_BY_ENTRY) == set(ENTRIES)


def test_no_entry_example_belongs_to_two_entries() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for entry in ENTRIES.values():
        for example in entry.examples:
            if owner.setdefault(example.lower(), entry.id) != entry.id:
                clashes.append((example, owner[example.lower()], entry.id))
    assert not clashes, clashes


def test_the_matcher_is_in_the_pipeline_before_the_fallback() -> None:
    from bot.yamlfile import parse_yaml

    pipeline = [
        c["name"] for c in parse_yaml((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    ]
    matcher = pipeline.index("rasa_addons.knowledge_matcher.KnowledgeMatcher")
    assert pipeline.index("DIETClassifier") < matcher < pipeline.index("FallbackClassifier")
