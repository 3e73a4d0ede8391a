"""The blend of the meaning model into DIET's ranking (rasa_addons/intent_blend.py), without Rasa."""

from __future__ import annotations

import numpy as np
import pytest

from rasa_addons.intent_blend import RANKING_LENGTH, blend
from rasa_addons.knowledge_matcher import KnowledgeIndex


def test_meaning_can_overrule_a_sure_diet_when_its_weight_is_larger() -> None:
    diet = [
        {"name": "budgeting_admin", "confidence": 0.9},
        {"name": "debt_help", "confidence": 0.1},
    ]
    meaning = {"debt_help": 0.8, "budgeting_admin": 0.05, "greet": 0.15}
    ranking = blend(diet, meaning, 0.65)
    assert ranking[0]["name"] == "debt_help"
    assert ranking[0]["confidence"] == pytest.approx(0.65 * 0.8 + 0.35 * 0.1)
    assert [r["name"] for r in ranking] == ["debt_help", "budgeting_admin", "greet"]


def test_diet_is_renormalised_over_what_it_lists_and_a_fallback_entry_is_ignored() -> None:
    diet = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "rent_housing", "confidence": 0.3},
        {"name": "energy_water", "confidence": 0.1},
    ]
    ranking = blend(diet, {}, 0.0)
    assert [r["name"] for r in ranking] == ["rent_housing", "energy_water"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_the_blend_keeps_the_ten_best_intents_best_first() -> None:
    diet = [{"name": f"i{n}", "confidence": 1 / 12} for n in range(12)]
    meaning = {f"i{n}": 1 / 15 for n in range(15)}
    ranking = blend(diet, meaning, 0.5)
    assert len(ranking) == RANKING_LENGTH
    full = blend(diet, meaning, 0.5)
    assert all(a["confidence"] >= b["confidence"] for a, b in zip(full, full[1:], strict=False))


def test_the_nearest_examples_vote_is_mixed_in_by_its_weight() -> None:
    diet = [{"name": "rent_housing", "confidence": 1.0}]
    meaning = {"rent_housing": 1.0}
    ranking = blend(diet, meaning, 0.65, {"out_of_scope": 1.0}, 0.3)
    assert [r["name"] for r in ranking] == ["rent_housing", "out_of_scope"]
    assert ranking[0]["confidence"] == pytest.approx(0.7)
    assert ranking[1]["confidence"] == pytest.approx(0.3)
    unmixed = blend(diet, meaning, 0.65, {"out_of_scope": 1.0}, 0.0)
    assert [r for r in unmixed if r["confidence"] > 0] == blend(diet, meaning, 0.65)


def _index(dense: list[list[float]], rows: list[int], entries: list[str]) -> KnowledgeIndex:
    vectors = np.asarray(dense, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return KnowledgeIndex(
        entries=entries,
        topics=entries,
        weights=np.zeros((len(entries), 0), dtype=np.float32),
        bias=np.zeros(len(entries), dtype=np.float32),
        chars=None,
        words=None,
        dense=vectors,
        rows=np.asarray(rows, dtype=np.int32),
        params={},
    )


def test_the_nearest_example_weighs_most_and_far_ones_do_not_vote() -> None:
    index = _index(
        [[1, 0, 0], [0.98, 0.2, 0], [0.9, 0.44, 0], [0, 0, 1], [0, 1, 0]],
        [0, 1, 1, 2, 2],
        ["debt_help", "energy_water", "out_of_scope"],
    )
    query = np.asarray([[1.0, 0.05, 0.0]], dtype=np.float32)
    query /= np.linalg.norm(query)
    votes = index.neighbours(query, 3, 0.01)
    assert votes.shape == (1, 3)
    assert votes.sum() == pytest.approx(1.0)
    assert votes[0].argmax() == 0  # the single nearest example outvotes two a little further
    assert votes[0, 2] == 0.0  # not among the three nearest
    wide = index.neighbours(query, 3, 10.0)  # a high temperature: nearly one vote each
    assert wide[0, 1] == pytest.approx(2 / 3, abs=0.02)
    assert index.neighbours(query, 99, 0.01).shape == (1, 3)  # more neighbours than examples
