"""Every response in all six languages, and the variant Rasa 3.6 picks is the one we expect.

- every response has a Dutch variant (no condition) and one for each other language (a condition
  on the slot `language`; the "off" lines on `language_detected`), with as many variants per
  channel as the Dutch one, the same placeholders and the same button payloads;
- Rasa's own ResponseVariationFilter (run in Rasa's environment) and bot.texts.pick_variant
  choose the same variant for every response, language, channel and crisis kind.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from bot.texts import TextCatalog, pick_variant

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")
LANGUAGE_SLOTS = ("language", "language_detected")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CATALOG = TextCatalog.load()
NAMES = CATALOG.names()
# the offer's buttons keep the new language: its payloads differ per language on purpose
OWN_PAYLOADS = {"utter_language_offer"}
CRISIS_KINDS = (None, "suicide", "violence", "loan_shark", "homeless", "no_food")


def language_of(variant: dict) -> str:
    for condition in variant.get("condition") or []:
        if condition.get("name") in LANGUAGE_SLOTS:
            return str(condition["value"])
    return "nl"


def by_language(name: str) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {lang: [] for lang in LANGUAGES}
    for variant in CATALOG.variants(name):
        found[language_of(dict(variant))].append(dict(variant))
    return found


def test_there_are_many_responses() -> None:
    assert len(NAMES) > 200


def missing_languages_or_channels(name: str) -> list[str]:
    """What ``name`` lacks: a language, or a language's variants per channel unlike Dutch's."""
    found = by_language(name)
    missing = [lang for lang, variants in found.items() if not variants]
    if missing:
        return [f"{name}: no variant in {missing}"]
    dutch_channels = Counter(v.get("channel") for v in found["nl"])
    return [
        f"{name} ({lang}): channels {dict(channels)} differ from Dutch's {dict(dutch_channels)}"
        for lang, variants in found.items()
        if (channels := Counter(v.get("channel") for v in variants)) != dutch_channels
    ]


def test_every_response_has_all_six_languages() -> None:
    """Every response (one test for all: the cases are cheap, every problem is reported)."""
    problems = [p for name in NAMES for p in missing_languages_or_channels(name)]
    assert not problems, "\n".join(problems)


def different_placeholders_or_payloads(name: str) -> list[str]:
    """Variants whose placeholders or button payloads differ from the first Dutch variant's."""
    found = by_language(name)
    dutch = found["nl"][0]
    want = set(PLACEHOLDER.findall(str(dutch.get("text", ""))))
    payloads = [b["payload"] for b in dutch.get("buttons") or []]
    problems = []
    for lang, variants in found.items():
        for variant in variants:
            if set(PLACEHOLDER.findall(str(variant.get("text", "")))) != want:
                problems.append(f"{name} ({lang}): placeholders differ from {sorted(want)}")
            own = [b["payload"] for b in variant.get("buttons") or []]
            if name not in OWN_PAYLOADS and own != payloads:
                problems.append(f"{name} ({lang}): payloads {own} differ from {payloads}")
    return problems


def test_placeholders_and_payloads_are_the_same_in_every_language() -> None:
    problems = [p for name in NAMES for p in different_placeholders_or_payloads(name)]
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_missing_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both checks above fail on a response with a missing language or a changed payload."""
    dutch = {"text": "Hoi {name}", "buttons": [{"title": "Ja", "payload": "/affirm"}]}
    english = {
        "text": "Hi",
        "buttons": [{"title": "Yes", "payload": "/deny"}],
        "condition": [{"type": "slot", "name": "language", "value": "en"}],
    }
    monkeypatch.setattr(CATALOG, "variants", lambda name: [dutch, english])
    assert missing_languages_or_channels("utter_x") == [
        "utter_x: no variant in ['ar', 'tr', 'pl', 'uk']"
    ]
    assert len(different_placeholders_or_payloads("utter_x")) == 2


def test_the_offer_keeps_the_new_language_with_its_button() -> None:
    for lang in LANGUAGES[1:]:
        variant = pick_variant(CATALOG.variants("utter_language_offer"), slots={"language": lang})
        payloads = [b["payload"] for b in variant["buttons"]]
        assert payloads[0] == f'/switch_language{{"language":"{lang}"}}'
        assert '/switch_language{"language":"nl"}' in payloads


def test_render_picks_the_language_and_the_channel() -> None:
    dutch = CATALOG.render("utter_disclosure", channel="whatsapp")
    turkish_web = CATALOG.render("utter_disclosure", channel="web", language="tr")
    turkish_wa = CATALOG.render("utter_disclosure", channel="whatsapp", language="tr")
    assert dutch.text.startswith("Je praat met een computerprogramma")
    assert "BSN" in dutch.text
    assert (
        turkish_web.text.startswith("Bir bilgisayar programıyla") and "BSN" not in turkish_web.text
    )
    assert turkish_wa.text.startswith("Bir bilgisayar programıyla") and "BSN" in turkish_wa.text
    polish = CATALOG.render("utter_offer_options", language="pl")
    assert polish.buttons[0] == ("Pomoc w pobliżu", "/find_local_help")
    assert CATALOG.render("utter_greet", language="xx").text.startswith("Hoi")


def _rasa_choices(cases: list[dict]) -> list[int]:
    """The index of the variant Rasa 3.6's own filter returns first, per case."""
    script = """
import json, sys
from rasa_addons import fast_yaml
fast_yaml.install()  # as Rasa runs here (rasa_addons/rasa_main.py): the domain in 3 s, not 8
from rasa.shared.core.domain import Domain
from rasa.core.nlg.generator import ResponseVariationFilter
domain = Domain.load("domain")
rvf = ResponseVariationFilter(domain.responses)
out = []
for case in json.load(sys.stdin):
    found = rvf.responses_for_utter_action(case["name"], case["channel"], case["slots"])
    variants = domain.responses[case["name"]]
    out.append([variants.index(v) for v in found])
print(json.dumps(out))
"""
    result = subprocess.run(  # noqa: S603 - Rasa's own interpreter
        [str(RASA_PYTHON), "-c", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rasa_picks_the_same_variant_as_the_catalog() -> None:
    """Rasa's ResponseVariationFilter, on the real domain: the right language, channel, kind."""
    if not RASA_PYTHON.exists():
        pytest.fail("Rasa's environment (.venv-rasa) is missing: run `make env`")
    cases = []
    for name in NAMES:
        for lang in LANGUAGES:
            for channel in ("collector", "whatsapp", "telegram"):
                kinds = CRISIS_KINDS if name == "utter_crisis" else (None,)
                for kind in kinds:
                    slots = {"language": lang, "language_detected": lang, "crisis_kind": kind}
                    cases.append({"name": name, "channel": channel, "slots": slots})
    chosen = _rasa_choices(cases)
    for case, indexes in zip(cases, chosen, strict=True):
        variants = [dict(v) for v in CATALOG.variants(case["name"])]
        assert indexes, case
        rasa_first = variants[indexes[0]]
        # Rasa chooses at random among the suitable ones: they must all be in one language
        assert {language_of(variants[i]) for i in indexes} == {case["slots"]["language"]}, case
        ours = pick_variant(variants, channel=case["channel"], slots=case["slots"])
        assert ours == rasa_first, case
        if case["name"] == "utter_crisis":
            kinds = {
                c["value"]
                for i in indexes
                for c in variants[i].get("condition") or []
                if c["name"] == "crisis_kind"
            }
            assert kinds <= {case["slots"]["crisis_kind"]}, case
