"""The blend of the meaning model into DIET's ranking (rasa_addons/intent_blend.py), without Rasa."""

from __future__ import annotations

import pytest

from rasa_addons.intent_blend import RANKING_LENGTH, blend


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
