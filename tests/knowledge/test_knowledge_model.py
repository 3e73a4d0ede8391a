"""Through the trained model (marker `rasa`): every entry is found from its own words, and the
held-out paraphrases mostly find their entry, with the measured miss budget stated here.

The real Rasa server parses each message (the session fixture `rasa_stack`); the parse carries
``knowledge`` from rasa_addons/knowledge_matcher.py.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from actions.knowledge import ENTRY, HIGH, choose_tier
from tests.knowledge.kb import ENTRIES, PARAPHRASES_BY_ENTRY
from tests.knowledge.test_knowledge_data import TOPIC_INTENTS

# one worker runs the module: its fixture parses every entry and paraphrase through the stack
# once, which every worker with a test of the module would do again
pytestmark = pytest.mark.xdist_group("knowledge_model")
IDS = sorted(ENTRIES)
# Measured on 2026-12-07 (docs/knowledge.md, scripts/bench_knowledge.py --model), after the team
# wrote up to 8 examples per entry: the share of paraphrases whose best entry is the right one,
# and the share answered with the right entry (the entry tier). The bars sit a little under the
# measurement: a drop fails. Measured: top 1 0.870 (261/300); answered with the right entry
# 0.773 (232/300); answered with a wrong entry 0.060 (18/300), so 93 % of the entries said are
# right (before: top 1 0.783, right 159, wrong 15, 91 %). A general message gets no entry
# (actions/knowledge.py, GENERAL_MARGIN): 4 of the 236 right answers went with it.
PARAPHRASE_TOP1_BAR = 0.85
# entries whose words the safety layer reads as a crisis first ("de verhuurder heeft de sloten
# veranderd": locked out of one's home); the crisis answer then comes before any entry, rightly
SAFETY_FIRST = {"huur_sloten_vervangen"}
# entries whose words are a request for a person ("ervaringsdeskundige"): the person flow comes
# first, rightly
PERSON_FIRST = {"budget_ervaringsdeskundige"}
PARAPHRASE_ANSWERED_RIGHT_BAR = 0.75
# at most this share gets a confident wrong entry, and of the entries said at least this share
# is right (more questions answered with an entry must not buy more wrong ones)
PARAPHRASE_ANSWERED_WRONG_BUDGET = 0.07
PARAPHRASE_PRECISION_BAR = 0.90


def _parse(stack: Any, text: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{stack.rasa_url}/model/parse?token={stack.token}",
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


@pytest.fixture(scope="module")
def parsed(rasa_stack: Any) -> dict[str, dict[str, Any]]:
    """Every entry's first example and every paraphrase, parsed once."""
    texts = {ENTRIES[e].examples[0] for e in IDS}
    texts |= {p for ps in PARAPHRASES_BY_ENTRY.values() for p in ps}
    return {text: _parse(rasa_stack, text) for text in sorted(texts)}


OWN_WORDS = IDS


@pytest.mark.rasa
@pytest.mark.parametrize("entry_id", OWN_WORDS)
def test_entry_is_found_from_its_own_words(parsed: dict[str, dict], entry_id: str) -> None:
    parse = parsed[ENTRIES[entry_id].examples[0]]
    knowledge = parse["knowledge"]
    assert knowledge["id"] == entry_id, knowledge["ranking"]
    assert knowledge["confidence"] >= HIGH, knowledge
    if entry_id in SAFETY_FIRST:
        assert parse["intent"]["name"] == "crisis"
        return
    if entry_id in PERSON_FIRST:
        assert parse["intent"]["name"] in {"ask_human", "choose_peer"}
        return
    assert parse["intent"]["name"] in TOPIC_INTENTS  # reaches ActionAnswerTopic
    assert choose_tier(parse["intent"]["name"], parse["intent"]["confidence"], knowledge) == ENTRY


@pytest.mark.rasa
@pytest.mark.parametrize("entry_id", IDS)
def test_paraphrase_finds_its_entry_in_the_top_three(
    parsed: dict[str, dict], entry_id: str
) -> None:
    misses = [
        p
        for p in PARAPHRASES_BY_ENTRY[entry_id]
        if entry_id not in [r["id"] for r in parsed[p]["knowledge"]["ranking"]]
    ]
    if misses:  # counted against the budget below, never skipped silently
        pytest.xfail(f"paraphrase outside the top 3 (budgeted): {misses}")


@pytest.mark.rasa
def test_paraphrases_within_the_measured_budget(parsed: dict[str, dict]) -> None:
    pairs = [(p, e) for e, ps in PARAPHRASES_BY_ENTRY.items() for p in ps]
    top1 = [parsed[p]["knowledge"]["id"] == e for p, e in pairs]
    answered = [
        (
            parsed[p]["knowledge"]["id"] == e,
            parsed[p]["intent"]["name"] in TOPIC_INTENTS
            and choose_tier(
                parsed[p]["intent"]["name"],
                parsed[p]["intent"]["confidence"],
                parsed[p]["knowledge"],
            )
            == ENTRY,
        )
        for p, e in pairs
    ]
    right = sum(ok and entry for ok, entry in answered) / len(pairs)
    wrong = sum(entry and not ok for ok, entry in answered) / len(pairs)
    misses = [
        (p, e, parsed[p]["knowledge"]["id"])
        for (p, e), ok in zip(pairs, top1, strict=False)
        if not ok
    ]
    assert sum(top1) / len(pairs) >= PARAPHRASE_TOP1_BAR, misses
    assert right >= PARAPHRASE_ANSWERED_RIGHT_BAR, (right, misses)
    assert wrong <= PARAPHRASE_ANSWERED_WRONG_BUDGET, (wrong, misses)
    assert right / (right + wrong) >= PARAPHRASE_PRECISION_BAR, (right, wrong, misses)
