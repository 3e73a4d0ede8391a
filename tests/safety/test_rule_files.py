"""The rule files (rasa_addons/safety/rules/*.yml): one test per rule, and no dead pattern.

Generated from the files themselves: a rule added tomorrow gets its tests without a line here.
Each rule's examples must do what they say; every pattern, requirement and exclusion must be
exercised by one of the rule's own examples (the dead-rule check).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rasa_addons.safety.checks import dead_idioms, dead_past_story, dead_patterns, wrong_examples
from rasa_addons.safety.engine import (
    RULES_DIR,
    Rule,
    RuleError,
    apply,
    load_file,
    parse_rule,
    read_by,
    rules,
)
from rasa_addons.safety.measure import load_items

ROOT = Path(__file__).resolve().parents[2]
RULES = rules()
TEST_SETS = sorted((ROOT / "tests" / "safety" / "data").glob("*.yml"))


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.file[:-4]}.{r.name}" for r in RULES])
def test_each_rule_does_what_its_examples_say(rule: Rule) -> None:
    assert not wrong_examples(rule)
    for text in rule.match:
        assert apply(rule, read_by(rule, text)) == rule.tier, text


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.file[:-4]}.{r.name}" for r in RULES])
def test_no_pattern_of_a_rule_is_dead(rule: Rule) -> None:
    assert not dead_patterns(rule)


def test_every_figure_of_speech_has_an_example() -> None:
    assert not dead_idioms()


def test_every_past_story_marker_has_an_example_and_now_wins() -> None:
    assert not dead_past_story()


def test_a_story_told_in_the_past_is_no_food_or_street_crisis_of_today() -> None:
    from rasa_addons.safety.engine import assess

    assert assess("vroeger hadden we soms geen eten").tier == "none"
    assert assess("we hebben vandaag geen eten").tier == "certain"
    # a past attempt is not lowered: the crisis answer still comes
    assert assess("vorig jaar wilde ik er een eind aan maken, nu weer").tier == "certain"
    assert assess("vorig jaar wilde ik er een eind aan maken").tier == "certain"


def test_every_rule_file_is_read_and_names_are_unique() -> None:
    files = {r.file for r in RULES}
    assert files == {p.name for p in RULES_DIR.glob("*.yml")}
    assert len({r.name for r in RULES}) == len(RULES)


def test_the_dead_rule_check_can_fail() -> None:
    """A pattern no example exercises, an exclusion nobody hits, a negation never tried."""
    rule = parse_rule(
        {
            "name": "probe",
            "tier": "certain",
            "negation": "around",
            "patterns": [r"\bwil dood\b", r"\bwil sterven\b"],
            "unless": [r"\bvan de stress\b"],
            "examples": {"match": ["ik wil dood"], "no_match": ["ik wil eten"]},
        },
        "suicide",
        "probe.yml",
    )
    dead = dead_patterns(rule)
    assert any("wil sterven" in d for d in dead)
    assert any("van de stress" in d for d in dead)
    assert any("negation" in d for d in dead)
    assert not any(r"wil dood\b" in d for d in dead)


def test_a_wrong_example_is_reported() -> None:
    rule = parse_rule(
        {
            "name": "probe",
            "tier": "gentle",
            "patterns": [r"\bwanhopig\b"],
            "examples": {"match": ["ik ben blij"], "no_match": ["ik ben wanhopig"]},
        },
        None,
        "probe.yml",
    )
    assert len(wrong_examples(rule)) == 2


@pytest.mark.parametrize(
    "rule,message",
    [
        ({"name": "x", "tier": "sure", "patterns": ["a"]}, "tier"),
        ({"name": "x", "tier": "certain", "patterns": ["{NOPE}"]}, "unknown fragment"),
        ({"name": "x", "tier": "certain", "patterns": ["a"], "pattern": "b"}, "unknown keys"),
        ({"name": "x", "tier": "certain", "patterns": ["(a"]}, "missing"),
        ({"name": "x", "tier": "certain", "patterns": []}, "empty"),
        ({"name": "x", "tier": "certain", "patterns": ["a"], "negation": "after"}, "negation"),
    ],
)
def test_a_broken_rule_is_refused(rule: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_rule(rule, None, "probe.yml")


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.yml"
    path.write_text("kind: weather\nrules: []\n", encoding="utf-8")
    with pytest.raises(RuleError, match="unknown kind"):
        load_file(path)


def test_rule_examples_are_not_the_test_sets() -> None:
    """The examples document the rules; the crisis sets measure them: kept apart."""
    measured = {i.text.strip().lower() for path in TEST_SETS for i in load_items(path)}
    examples = {t.strip().lower() for r in RULES for t in (*r.match, *r.no_match)}
    assert not examples & measured


def test_semantic_exemplars_cover_every_language_and_are_not_the_test_sets() -> None:
    from rasa_addons.safety.semantic import LANGUAGES, load_exemplars

    exemplars = load_exemplars()
    assert set(exemplars.languages) == set(LANGUAGES)
    for language in LANGUAGES:
        kinds = {
            k
            for k, lang in zip(exemplars.kinds, exemplars.languages, strict=True)
            if lang == language
        }
        assert None in kinds and len(kinds - {None}) >= 5, language  # calm and most kinds
    measured = {i.text.strip().lower() for path in TEST_SETS for i in load_items(path)}
    assert not {t.strip().lower() for t in exemplars.texts} & measured
