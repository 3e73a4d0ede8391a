"""The NLU training data: enough varied examples, no contradictions, complete place names."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import pytest

from bot.yamlfile import parse_yaml
from rasa_addons.crisis_patterns import is_crisis

ROOT = Path(__file__).resolve().parents[2]
TOPICS = [
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
    "privacy_trust",
    "crisis",
    "ask_human",
]


def examples_by_intent() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path in (ROOT / "nlu_data").rglob("*.yml"):
        for block in (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" in block:
                found[block["intent"]] += [
                    line[2:].strip()
                    for line in block["examples"].splitlines()
                    if line.startswith("- ")
                ]
    return found


EXAMPLES = examples_by_intent()


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_at_least_40_examples(topic: str) -> None:
    assert len(EXAMPLES[topic]) >= 40, f"{topic}: {len(EXAMPLES[topic])} examples"


def test_no_example_belongs_to_two_intents() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for intent, examples in EXAMPLES.items():
        for example in examples:
            key = re.sub(r"\[([^]]+)\]\([^)]+\)", r"\1", example).lower()
            if key in owner and owner[key] != intent:
                clashes.append((example, owner[key], intent))
            owner[key] = intent
    assert not clashes


def test_examples_are_varied_not_templated() -> None:
    for topic in TOPICS:
        starts = [" ".join(e.lower().split()[:3]) for e in EXAMPLES[topic]]
        most_common = max(starts.count(w) for w in set(starts))
        assert most_common / len(starts) < 0.25, f"{topic}: too many examples start the same way"


def test_lookup_has_every_municipality() -> None:
    lookup = parse_yaml(
        (ROOT / "nlu_data" / "lookups" / "municipality.yml").read_text(encoding="utf-8")
    )
    values = {
        line[2:] for line in lookup["nlu"][0]["examples"].splitlines() if line.startswith("- ")
    }
    with (ROOT / "bot" / "directory" / "data" / "municipalities.csv").open(encoding="utf-8") as f:
        names = [row["gemeentenaam"] for row in csv.DictReader(f)]
    assert len(names) == 342
    assert set(names) <= values
    assert {"Den Haag", "den haag", "Weesp", "Hengelo"} <= values


# every pattern of the `postcode` regex, as RegexEntityExtractor uses them (any one may match)
POSTCODE = re.compile(
    "|".join(
        f"(?:{line[2:]})"
        for line in parse_yaml((ROOT / "nlu_data" / "regex.yml").read_text(encoding="utf-8"))[
            "nlu"
        ][0]["examples"].splitlines()
        if line.startswith("- ")
    )
)


@pytest.mark.parametrize("text", ["1234 AB", "1234ab", "1234", "ik woon op 9712 CP", "7811 kb"])
def test_postcode_regex_accepts(text: str) -> None:
    assert POSTCODE.search(text)


@pytest.mark.parametrize(
    "text",
    ["12345", "0123 AB", "123 AB", "1234ABC", "ik moet 1200 euro betalen", "€ 1500", "1.500,-"],
)
def test_postcode_regex_rejects(text: str) -> None:
    assert not POSTCODE.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "ik zie het niet meer zitten",
        "ik wil er niet meer zijn",
        "Ik wil dood",
        "ik denk aan zelfmoord",
        "ik ga mezelf wat aandoen",
        "mijn vriend slaat me",
        "ik ben thuis niet veilig",
        "iedereen is beter af zonder mij",
        "ik wil een eind aan mijn leven maken",
        "soms denk ik dat ik er beter niet meer kan zijn",
        "ik ben bang voor mijn ex hij staat voor de deur",
        "ik doe mezelf pijn",
        "ik ben beter dood",
        "zelfmoordgedachten door de schulden",
        "ik heb pillen gespaard",
        "ik ben suïcidaal",
        "wil dood",
        "ik wil niet meer leven door de schulden",
    ],
)
def test_crisis_patterns_catch_crisis(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize(
    "text",
    [
        "ik word gek van die rekeningen",
        "ik maak me dood ongerust over de huur",
        "ik heb schulden",
        "de deurwaarder staat aan de deur",
        "ik ben moe",
        "het leven is duur geworden",
        "dat is doodeng",
        "ik ben mijn baan kwijt",
        "/crisis",
        "ik ben bang voor de deurwaarder",
        "ik wil verdwijnen uit deze stad",
        "het geld is er niet meer",
        "ik ben doodop",
        "ik schaam me dood voor die brieven",
    ],
)
def test_crisis_patterns_leave_ordinary_money_talk_alone(text: str) -> None:
    assert not is_crisis(text) or text.startswith("/")


@pytest.mark.parametrize(
    "path", sorted((ROOT / "nlu_data").rglob("*.yml")), ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_every_line_of_an_examples_block_is_an_example(path: Path) -> None:
    """Inside `examples: |` every line is text, also a line starting with '#': Rasa skips a line
    without '- ' with a warning that `rasa data validate` fails on. Comments go above a block."""
    for block in (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        examples = block.get("examples")
        if not isinstance(examples, str):
            continue
        strays = [
            line for line in examples.splitlines() if line.strip() and not line.startswith("- ")
        ]
        assert not strays, f"{block.get('intent') or block.get('lookup')}: {strays[:3]}"
