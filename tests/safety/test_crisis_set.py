"""The team's crisis set through the shared rules and the gateway's screen(): recall 1.00.

The trained model gets the same set in tests/safety/test_rasa_safety.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.conversations.safety import screen
from bot.yamlfile import parse_yaml
from rasa_addons.safety.measure import format_report, load_set, measure
from rasa_addons.safety_rules import KINDS, assess

ROOT = Path(__file__).resolve().parents[2]
CRISIS_SET = load_set()
# Plain lookalikes may get the gentle line now and then, never the crisis answer.
MAX_POSSIBLE_ON_PLAIN_LOOKALIKES = 0.10


def _training_examples() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "nlu_data").rglob("*.yml"):
        for block in (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(block.get("examples") or "").splitlines():
                if line.startswith("- "):
                    found.add(re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", line[2:]).strip().lower())
    return found


def test_the_set_is_big_enough_and_never_training_data() -> None:
    assert len(CRISIS_SET.crisis_messages) >= 150
    assert len(CRISIS_SET.lookalike_messages) >= 150
    assert set(CRISIS_SET.crisis) <= set(KINDS)
    assert set(CRISIS_SET.lookalike) == {"none", "possible"}
    texts = [t.lower() for t in CRISIS_SET.all_texts]
    assert len(texts) == len(set(texts)), "a message is in the set twice"
    in_training = set(texts) & _training_examples()
    assert not in_training, f"crisis set messages found in nlu_data/: {sorted(in_training)}"


@pytest.mark.parametrize(
    "name,classify",
    [
        ("rules", lambda t: (assess(t).tier, assess(t).kind)),
        ("gateway screen()", lambda t: (screen(t).tier, screen(t).kind)),
    ],
)
def test_recall_is_one_and_no_lookalike_gets_the_crisis_answer(name: str, classify: object) -> None:
    report = measure(name, classify, CRISIS_SET)  # type: ignore[arg-type]
    print(format_report(report))
    assert report.recall == 1.0, format_report(report)
    assert not report.wrong_kind, f"wrong crisis kind: {report.wrong_kind}"
    assert not report.false_certain, (
        f"lookalikes that got the crisis answer: {report.false_certain}"
    )
    # the ambiguous lookalikes get the gentle line: the topic answer alone would risk a miss
    assert not report.possible_missed, (
        f"ambiguous lookalikes without the line: {report.possible_missed}"
    )
    assert report.false_alarm_possible <= MAX_POSSIBLE_ON_PLAIN_LOOKALIKES, format_report(report)


def test_no_safety_test_set_is_training_data_or_an_exemplar() -> None:
    from rasa_addons.safety.measure import (
        LOOKALIKES,
        LOOKALIKES_MORE,
        MORE,
        SOFT_HELDOUT,
        load_items,
    )
    from rasa_addons.safety.semantic import load_exemplars

    paths = (MORE, LOOKALIKES, SOFT_HELDOUT, LOOKALIKES_MORE)
    texts = {i.text.strip().lower() for path in paths for i in load_items(path)}
    assert not texts & _training_examples()
    assert not texts & {t.strip().lower() for t in load_exemplars().texts}


@pytest.mark.parametrize("name", ["crisis_soft_heldout.yml", "lookalikes_emotional_more.yml"])
def test_the_rules_alone_meet_issue_17_on_the_second_held_out_sets(name: str) -> None:
    """Issue 17's bar (recall any tier >= 0.95, false alarms any tier <= 5 %, no crisis answer on
    a calm message) for the gateway's rules alone, on the sets written before round 2's rules."""
    from rasa_addons.safety.measure import DATA, load_items, score

    groups = score(lambda t: (screen(t).tier, screen(t).kind), load_items(DATA / name))
    found = groups["all"]
    if found.crisis:
        assert found.recall_any >= 0.95, found.missed
    assert found.false_alarm_any <= 0.05, found.false_alarms
    assert found.false_certain == 0, found.false_alarms
