"""The offline English test (rasa_addons/english.py) on our own data: English yes, Dutch no."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from rasa_addons.english import is_english
from rasa_addons.payloads import payload_intent
from tests.nlu.test_training_data import EXAMPLES

REGISTERS = yaml.safe_load(
    (Path(__file__).parent / "data" / "registers.yml").read_text(encoding="utf-8")
)


def _plain(example: str) -> str:
    return re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", example)


def test_no_dutch_training_example_is_taken_for_english() -> None:
    english_block = Path(__file__).parents[2] / "nlu_data" / "registers" / "english_mixed.yml"
    english_texts = {
        line[6:].strip().lower()
        for line in english_block.read_text(encoding="utf-8").splitlines()
        if line.startswith("    - ")
    }
    flagged = [
        e
        for examples in EXAMPLES.values()
        for e in examples
        if is_english(_plain(e)) and _plain(e).lower() not in english_texts
    ]
    assert not flagged, flagged


def test_english_messages_of_the_evaluation_set_are_english() -> None:
    english = [str(t) for texts in REGISTERS["english"].values() for t in texts]
    missed = [t for t in english if not is_english(t)]
    # "english please" is too short for the word test: the classifier learns it (speak_english)
    assert len(missed) <= 2, missed


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
    assert not is_english(text)


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
    assert is_english(text)


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
