"""The summary names what the assistant told in words: a knowledge-base answer counts for its topic."""

from __future__ import annotations

from bot.console.present import told_words


def test_a_knowledge_answer_is_named_by_its_topic() -> None:
    assert told_words(["utter_kb_energie_regeling"]) == told_words(["utter_energy_water"])
    assert told_words(["utter_kb_energie_regeling", "utter_energy_water"]) == [
        "Uitleg over Energie of water"
    ]
    # something that is no topic answer stays general, never a code name
    (general,) = told_words(["utter_offer_options"])
    assert "_" not in general and general != "Uitleg over Energie of water"
