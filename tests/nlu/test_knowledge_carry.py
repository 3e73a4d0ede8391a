"""KnowledgeCarry's rule (rasa_addons/knowledge_carry.py): when a torn fallback gets a sure
entry's topic, and when it does not. The trained model's side is tests/knowledge/
test_knowledge_model.py (every entry's own words reach a topic, not the fallback)."""

from __future__ import annotations

from typing import Any

from rasa_addons.knowledge_carry import carried

FALLBACK = {"name": "nlu_fallback", "confidence": 0.3}
RANKING = [
    FALLBACK,
    {"name": "energy_water", "confidence": 0.46},
    {"name": "payment_arrears", "confidence": 0.45},
    {"name": "out_of_scope", "confidence": 0.05},
]
ENTRY = {"id": "regeling_energie", "confidence": 0.68, "topic": "payment_arrears"}
CALM = {"tier": "none"}


def carry(**changes: Any) -> Any:
    case: dict[str, Any] = {
        "intent": FALLBACK,
        "ranking": RANKING,
        "knowledge": ENTRY,
        "safety": CALM,
        "min_confidence": 0.5,
        "top": 2,
    }
    case.update(changes)
    return carried(**case)


def test_a_torn_fallback_gets_the_sure_entrys_topic_first_without_the_fallback() -> None:
    intent, ranking = carry()
    assert intent == {"name": "payment_arrears", "confidence": 0.45}
    assert [r["name"] for r in ranking] == ["payment_arrears", "energy_water", "out_of_scope"]


def test_nothing_changes_unless_every_condition_holds() -> None:
    cases = {
        "not a fallback": carry(intent={"name": "energy_water", "confidence": 0.46}),
        "a safety verdict": carry(safety={"tier": "possible"}),
        "a certain crisis": carry(safety={"tier": "certain"}),
        "an unsure entry": carry(knowledge={**ENTRY, "confidence": 0.49}),
        "no entry": carry(knowledge={"id": None, "confidence": 0.0, "topic": None}),
        "no knowledge at all": carry(knowledge=None),
        "topic not among the best two": carry(knowledge={**ENTRY, "topic": "rent_housing"}),
        "not a money topic": carry(
            knowledge={**ENTRY, "topic": "out_of_scope"},
            ranking=[FALLBACK, {"name": "out_of_scope", "confidence": 0.4}],
        ),
        "best one only": carry(top=1),
        "out of scope the best guess": carry(
            ranking=[
                FALLBACK,
                {"name": "out_of_scope", "confidence": 0.47},
                {"name": "payment_arrears", "confidence": 0.45},
            ]
        ),
    }
    assert {name: found for name, found in cases.items() if found is not None} == {}


def test_without_a_safety_dict_the_rule_still_applies() -> None:
    assert carry(safety=None) is not None


def test_out_of_scope_second_does_not_stop_the_carry() -> None:
    ranking = [
        FALLBACK,
        {"name": "payment_arrears", "confidence": 0.46},
        {"name": "out_of_scope", "confidence": 0.44},
    ]
    intent, _ = carry(ranking=ranking)
    assert intent["name"] == "payment_arrears"
