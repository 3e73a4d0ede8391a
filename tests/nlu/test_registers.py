"""The second evaluation set (tests/nlu/data/registers.yml): honest, and the model reads it.

The set is never trained on: no message is a training example, and none is a near copy of one
(most of its words shared). On the real server (marker `rasa`), the trained model places most
of it, answers no out-of-scope question with a money topic, and marks English as English.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from bot.yamlfile import parse_yaml
from tests.nlu.test_training_data import EXAMPLES

DATA = parse_yaml((Path(__file__).parent / "data" / "registers.yml").read_text(encoding="utf-8"))
CASES = [
    (str(text), intent, register)
    for register, intents in DATA.items()
    for intent, texts in intents.items()
    for text in texts
]
MONEY_TOPICS = {
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
NEAR_COPY = 0.75  # share of words in common (Jaccard) from which a message counts as a copy


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", text).lower()))


def test_the_set_is_large_and_covers_every_register() -> None:
    assert len(CASES) >= 300
    per_register = Counter(register for _, _, register in CASES)
    assert len(per_register) >= 10 and min(per_register.values()) >= 9, per_register
    topics = Counter(intent for _, intent, _ in CASES if intent in MONEY_TOPICS)
    assert set(topics) == MONEY_TOPICS and min(topics.values()) >= 10, topics
    assert Counter(intent for _, intent, _ in CASES)["out_of_scope"] >= 40


def test_no_message_is_training_data_or_a_near_copy() -> None:
    training = [_words(e) for examples in EXAMPLES.values() for e in examples]
    copies = []
    for text, _, _ in CASES:
        words = _words(text)
        for other in training:
            if words and len(words & other) / len(words | other) >= NEAR_COPY:
                copies.append(text)
                break
    assert not copies, f"in (or nearly in) the training data: {copies}"


def test_every_gold_intent_exists() -> None:
    assert {intent for _, intent, _ in CASES} <= set(EXAMPLES)


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
def test_trained_model_reads_every_register(rasa_stack: object) -> None:
    parsed = [(text, gold, register, _parse(rasa_stack, text)) for text, gold, register in CASES]
    right = [p["intent"]["name"] == gold for _, gold, _, p in parsed]
    accuracy = sum(right) / len(right)
    wrong = [(t, g, p["intent"]["name"]) for t, g, _, p in parsed if p["intent"]["name"] != g]
    assert accuracy >= 0.8, f"accuracy {accuracy:.2f}; wrong: {wrong}"
    oos = [p["intent"]["name"] for _, gold, _, p in parsed if gold == "out_of_scope"]
    answered_as_money = [name for name in oos if name in MONEY_TOPICS]
    # where we are: 9 of 59 (15%) on 2026-12-02; 12 of 59 (20%) on 2026-12-05 after the knowledge
    # base added ~1,900 money examples (DIET is more sure of a money topic at 0.6-0.8, above the
    # matcher's out-of-scope guard): a regression this bar records, not hides; 3 of 59 (5%) on
    # 2026-12-06 after issue 17's out-of-scope data, so the goal (10%) is the test below
    assert len(answered_as_money) <= len(oos) * 0.21, answered_as_money
    english = [p.get("language") for _, _, register, p in parsed if register == "english"]
    assert english.count("en") >= len(english) * 0.9, english
    # the conversation switches language only on a *clear* message (rasa_addons/language_id.py):
    # no Dutch message may be clear English; Dutch with English words ("mixed") may read as
    # English now and then, a short or odd message never switches
    switched = {
        register: [
            t
            for t, _, reg, p in parsed
            if reg == register
            and (p.get("language_detection") or {}).get("clear")
            and p.get("language") == "en"
        ]
        for register in {r for _, _, r in CASES} - {"english"}
    }
    mixed = switched.pop("mixed", [])
    assert len(mixed) <= 0.1 * sum(1 for *_, r in CASES if r == "mixed"), mixed
    # odd input in no language (a line of SQL among the out-of-scope questions) may read as
    # English: at most one message over all the other registers
    dutch = [t for texts in switched.values() for t in texts]
    assert len(dutch) <= 1, f"Dutch taken for English: {dutch}"


@pytest.mark.rasa
def test_out_of_scope_questions_rarely_get_a_money_answer(rasa_stack: object) -> None:
    oos = [_parse(rasa_stack, text) for text, gold, _ in CASES if gold == "out_of_scope"]
    answered_as_money = [
        (p["text"], p["intent"]["name"]) for p in oos if p["intent"]["name"] in MONEY_TOPICS
    ]
    assert len(answered_as_money) <= len(oos) * 0.1, answered_as_money
