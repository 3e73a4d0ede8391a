"""The trained model on held-back messages that are not in the training data.

Runs against the real Rasa server (``rasa_stack`` fixture) over HTTP: ``POST /model/parse``.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from bot.yamlfile import parse_yaml
from tests.nlu.test_training_data import EXAMPLES

UNSEEN = parse_yaml((Path(__file__).parent / "data" / "unseen.yml").read_text(encoding="utf-8"))
CASES = [(text, intent) for intent, texts in UNSEEN.items() for text in texts]


def test_unseen_messages_are_not_training_data() -> None:
    known = {
        re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", e).lower() for ex in EXAMPLES.values() for e in ex
    }
    assert not [text for text, _ in CASES if text.lower() in known]
    assert set(UNSEEN) <= set(EXAMPLES), "unknown intent name in unseen.yml"


def _parse(stack: object, text: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{stack.rasa_url}/model/parse?token={stack.token}",  # type: ignore[attr-defined]
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


@pytest.mark.rasa
def test_trained_model_understands_unseen_messages(rasa_stack: object) -> None:
    results = [(text, gold, _parse(rasa_stack, text)["intent"]["name"]) for text, gold in CASES]
    wrong = [(text, gold, got) for text, gold, got in results if got != gold]
    crisis_missed = [w for w in wrong if w[1] == "crisis"]
    assert not crisis_missed, f"crisis messages not recognised: {crisis_missed}"
    accuracy = 1 - len(wrong) / len(results)
    assert accuracy >= 0.8, f"accuracy {accuracy:.2f} on unseen messages; wrong: {wrong}"


@pytest.mark.rasa
def test_trained_model_extracts_place_and_postcode(rasa_stack: object) -> None:
    parsed = _parse(rasa_stack, "ik woon in emmen en heb schulden")
    assert {"entity": "municipality", "value": "emmen"} in [
        {"entity": e["entity"], "value": e["value"].lower()} for e in parsed["entities"]
    ]
    parsed = _parse(rasa_stack, "mijn postcode is 9712 CP")
    assert [e["value"] for e in parsed["entities"] if e["entity"] == "postcode"] == ["9712 CP"]


@pytest.mark.rasa
def test_crisis_guard_wins_over_the_classifier(rasa_stack: object) -> None:
    # money words pull the classifier to a topic; the guard must still say crisis, with full
    # confidence and the classifier's ranking kept below it
    parsed = _parse(rasa_stack, "de deurwaarder komt morgen en ik wil er niet meer zijn")
    assert parsed["intent"] == {"name": "crisis", "confidence": 1.0}
    assert parsed["intent_ranking"][0]["name"] == "crisis"
    assert len(parsed["intent_ranking"]) > 1
