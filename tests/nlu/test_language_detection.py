"""The offline language identification (rasa_addons/language_id.py) on our own data.

No Dutch training example is a clear message in another language (it would switch the
conversation); the English messages of the evaluation set are English; Dutch with English words
stays Dutch. The measurement on short messages in all six languages: tests/languages/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.yamlfile import parse_yaml
from rasa_addons.language_id import detect
from rasa_addons.payloads import payload_intent

ROOT = Path(__file__).parents[2]
REGISTERS = parse_yaml(
    (Path(__file__).parent / "data" / "registers.yml").read_text(encoding="utf-8")
)
# training data in other languages, on purpose
NOT_DUTCH = {ROOT / "nlu_data" / "registers" / "english_mixed.yml"}


def _plain(example: str) -> str:
    return re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", example)


def dutch_examples() -> list[str]:
    found = []
    for path in sorted((ROOT / "nlu_data").rglob("*.yml")):
        # nlu_data/languages/ and the knowledge base's examples (nlu_data/knowledge/, a few per
        # entry in English, Turkish, Polish, Ukrainian or Arabic) are in other languages on purpose
        if path in NOT_DUTCH or "languages" in path.parts or "knowledge" in path.parts:
            continue
        for item in (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in item:
                found += [
                    _plain(line[2:])
                    for line in str(item.get("examples") or "").splitlines()
                    if line.startswith("- ")
                ]
    return found


def test_no_dutch_training_example_switches_the_language() -> None:
    examples = dutch_examples()
    assert len(examples) > 1000
    flagged = [e for e in examples if detect(e).clear and detect(e).language != "nl"]
    # a few Dutch examples are English words only ("sorry my dutch is bad" is in english_mixed)
    assert len(flagged) <= len(examples) // 200, flagged


def test_english_messages_of_the_evaluation_set_are_english() -> None:
    english = [str(t) for texts in REGISTERS["english"].values() for t in texts]
    missed = [t for t in english if detect(t).language != "en"]
    # one or two words ("english please") are never clear: the classifier learns them
    assert len(missed) <= len(english) // 4, missed


@pytest.mark.parametrize(
    "text",
    [
        "mijn rent is te hoog en ik ben behind met betalen",
        "ik heb debts en weet niet wat ik moet doen",
        "ja please",
        "hello",
        "thanks",
        "ok",
        "ik heb een probleem with my rent",
        "/choose_peer",
        "",
    ],
)
def test_dutch_with_english_words_stays_dutch(text: str) -> None:
    found = detect(text)
    assert not (found.clear and found.language != "nl"), found


@pytest.mark.parametrize(
    "text",
    [
        "I can't pay the rent",
        "Do you speak English?",
        "my husband left and now I have all the debts",
        "Who can help me with this letter from the tax office?",
    ],
)
def test_english_is_english(text: str) -> None:
    assert detect(text).language == "en" and detect(text).clear


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("/choose_peer", "choose_peer"),
        ('/inform_location{"municipality": "GM0106"}', "inform_location"),
        ("/oude_knop", "oude_knop"),
        ("/deny@0.9", "deny"),
        ("/ ik heb schulden", None),
        ("ik heb schulden", None),
        ("1/2 van mijn loon", None),
    ],
)
def test_payload_intent(text: str, intent: str | None) -> None:
    assert payload_intent(text) == intent
