"""The crisis texts: the right routes per kind, calm form, and every number with its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = parse_yaml((ROOT / "domain" / "safety.yml").read_text(encoding="utf-8"))
MORE = parse_yaml((ROOT / "domain" / "safety_more.yml").read_text(encoding="utf-8"))
RESPONSES = {**DOMAIN["responses"], **MORE["responses"]}
SOURCES = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8").split("## Numbers and facts")[1]
PHONE = re.compile(r"(?<![\d-])(?:0\d{2,3}-\d{4,7}|11[23])(?![\d-])")
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")

NEEDED = {
    "utter_crisis": ["113", "0800-0113", "113.nl", "112"],
    "utter_crisis_suicide": ["113", "0800-0113", "113.nl", "112"],
    "utter_crisis_violence": ["112", "Veilig Thuis", "0800-2000"],
    "utter_crisis_loan_shark": ["112", "0900-8844"],
    "utter_crisis_homeless": ["gemeente", "opvang", "112"],
    "utter_crisis_no_food": ["voedselbank", "gemeente"],
    "utter_crisis_possible": ["113", "0800-0113", "113.nl", "112", "iemand van ons"],
    "utter_crisis_gentle": ["113", "0800-0113", "113.nl", "112", "iemand van ons"],
    "utter_crisis_financial_abuse": ["Veilig Thuis", "0800-2000", "112", "niet jouw schuld"],
    "utter_crisis_homeless_municipality": ["{phone}", "{municipality_name}", "slapen"],
}
# the gentle answer offers a person with buttons; the crisis answers have none
MAY_OFFER_A_PERSON = {"utter_crisis_gentle"}
SENTENCE = re.compile(r"[^.?!\n]+[.?!]?")


@pytest.mark.parametrize("name", sorted(NEEDED))
def test_each_answer_names_its_routes(name: str) -> None:
    text = RESPONSES[name][0]["text"]
    missing = [part for part in NEEDED[name] if part not in text]
    assert not missing, f"{name} misses {missing}"


def test_the_crisis_answers_are_calm_and_lead_nowhere_else() -> None:
    for name, variants in RESPONSES.items():
        for variant in variants:
            text = variant["text"]
            assert not EMOJI.search(text), name
            assert "!" not in text, name
            if name in MAY_OFFER_A_PERSON:
                payloads = {b["payload"] for b in variant["buttons"]}
                assert payloads == {"/ask_human", "/deny"}, name
            else:
                assert not variant.get("buttons"), f"{name}: no buttons that lead away from help"
            assert "je moet" not in text.lower(), name


def test_help_comes_before_care() -> None:
    # suicide: 113 before anything else; danger at home: 112 first
    assert RESPONSES["utter_crisis_suicide"][0]["text"].startswith("Bel 113")
    assert RESPONSES["utter_crisis_violence"][0]["text"].startswith(
        "Ben je nu in gevaar? Bel dan 112"
    )


def test_every_number_in_a_crisis_text_has_a_recorded_source() -> None:
    numbers = {n for v in RESPONSES.values() for var in v for n in PHONE.findall(var["text"])}
    assert {"113", "0800-0113", "112", "0800-2000", "0900-8844"} <= numbers
    unsourced = [n for n in numbers if n not in SOURCES]
    assert not unsourced, f"numbers without a source in docs/safety.md: {unsourced}"
    assert "checked 2026-12-02" in SOURCES.splitlines()[0]


def test_the_new_texts_are_short_sentences() -> None:
    for name, variants in MORE["responses"].items():
        for variant in variants:
            for sentence in SENTENCE.findall(variant["text"]):
                assert len(sentence.split()) <= 20, (name, sentence)
