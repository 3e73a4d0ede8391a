"""The shared safety rules: spelling, negation, idioms, kinds, the classifier and both Pythons."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.conversations.safety import Screening, screen
from rasa_addons.crisis_patterns import is_crisis
from rasa_addons.safety_rules import (
    CERTAIN,
    CLASSIFIER_POSSIBLE,
    NONE,
    POSSIBLE,
    assess,
    combine,
    normalise,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Ik wil NIET meer léven!!", "ik wil niet meer leven"),
        ("k wil nie meer", "ik wil niet meer"),
        ("m'n vriend slaat me", "mijn vriend slaat me"),
        ("ik zie et nie meer zitte", "ik zie het niet meer zitten"),
        ("zelfmoort", "zelfmoord"),
        ("zelfmoortgedachten", "zelfmoordgedachten"),
        ("dooooood", "dood"),
        ("ik ben bang, hij slaat", "ik ben bang . hij slaat"),
        ("de rekening is 113,50 euro", "de rekening is 11350 euro"),
    ],
)
def test_normalise_undoes_chat_spelling_and_typos(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_normalise_keeps_ordinary_words_that_look_like_key_words() -> None:
    # "doorgaan" is one letter from "doodgaan": it must stay itself
    assert normalise("waarom zou ik nog doorgaan") == "waarom zou ik nog doorgaan"
    assert normalise("zelfmoordactie") == "zelfmoordactie"


@pytest.mark.parametrize(
    "text,kind",
    [
        ("ik wil dood", "suicide"),
        ("WIL DOOD", "suicide"),
        ("mijn oma zegt dat ze niet meer wil leven", "suicide"),
        ("hij slaat me en de kinderen", "violence"),
        ("mijn vriend neemt al mijn geld af en ik ben bang", "financial_abuse"),
        ("de man van wie ik leende dreigt me in elkaar te slaan", "loan_shark"),
        ("we slapen vannacht in de auto", "homeless"),
        ("de kinderen hebben vandaag nog niks gegeten", "no_food"),
    ],
)
def test_clear_crisis_is_certain_with_its_kind(text: str, kind: str) -> None:
    assert (assess(text).tier, assess(text).kind) == (CERTAIN, kind)
    assert is_crisis(text)


def test_the_most_serious_kind_wins() -> None:
    # violence and nowhere to sleep: the answer about violence (it names 112 and Veilig Thuis)
    assert assess("hij heeft me geslagen en nu slaap ik in de auto").kind == "violence"
    # a threat by a lender is more specific than a threat
    assert assess("ik word bedreigd door de man van wie ik geld heb geleend").kind == "loan_shark"
    # suicidal thoughts come first of all
    assert assess("we staan op straat en ik wil dood").kind == "suicide"


@pytest.mark.parametrize(
    "text",
    [
        "ik denk niet aan zelfmoord, maar het is zwaar",
        "ik wil niet dood, ik wil een regeling",
        "ik ben niet suicidaal",
        "ik ga dood van de stress",
        "wat doet 113 precies",
        "ik kan niet meer",
    ],
)
def test_negations_and_figures_of_speech_are_possible_not_certain(text: str) -> None:
    assert assess(text).tier == POSSIBLE


def test_a_negation_before_dan_does_not_hide_a_crisis() -> None:
    assert assess("ik zie geen andere uitweg dan zelfmoord").tier == CERTAIN


@pytest.mark.parametrize(
    "text",
    [
        "laat maar",
        "ik schrok me dood van die brief",
        "ik ben doodmoe",
        "die lening was een zelfmoordactie",
        "ik moet nog 113 euro betalen",
        "ik wil niet meer leven van een uitkering",
        "de deurwaarder dreigt met beslag",
        "de gemeente houdt mijn uitkering in",
        "/crisis",
        "",
    ],
)
def test_idioms_and_ordinary_money_talk_are_nothing(text: str) -> None:
    assert assess(text).tier == NONE


def test_the_classifier_raises_to_possible_but_never_decides_certain_alone() -> None:
    nothing = assess("laat maar")
    assert combine(nothing, [("crisis", 0.97), ("deny", 0.02)]).tier == POSSIBLE
    below = CLASSIFIER_POSSIBLE - 0.01
    assert combine(nothing, [("crisis", below), ("deny", 0.3)]).tier == NONE
    assert combine(nothing, [("deny", 0.6), ("crisis", 0.4)]).tier == NONE
    # and it never lowers what the rules found
    certain = assess("ik wil dood")
    assert combine(certain, [("debt_help", 0.99)]) == certain


def test_screen_takes_the_stronger_of_rules_and_rasa() -> None:
    # Rasa's parse said certain violence (e.g. a newer model): the gateway keeps it
    found = screen(
        "ok", intent="affirm", confidence=0.8, safety={"tier": "certain", "kind": "violence"}
    )
    assert found == Screening(CERTAIN, "violence", "affirm", 0.8)
    assert found.crisis
    # the rules find what an older parse missed
    assert screen("ik wil dood", safety={"tier": "none", "kind": None}).tier == CERTAIN
    # junk in the parse is ignored, not trusted
    assert screen("hallo", safety={"tier": "panic", "kind": "x"}).tier == NONE
    assert screen("hallo", safety="certain").tier == NONE  # type: ignore[arg-type]
    # Rasa's component sets `crisis` with full confidence only when certain
    assert screen("zomaar tekst", intent="crisis", confidence=1.0).tier == CERTAIN
    assert screen("zomaar tekst", intent="crisis", confidence=0.7).tier == POSSIBLE
    assert screen("/choose_peer", intent="choose_peer", confidence=1.0).tier == NONE
    assert screen("ik ga dood van de stress").possible


def test_rasa_python_gets_the_same_answers() -> None:
    """Rasa runs the rules on Python 3.10, the gateway on 3.11: same code, same verdicts."""
    rasa_python = ROOT / ".venv-rasa" / "bin" / "python"
    texts = [
        "ik wil dood",
        "k wil nie meer leven",
        "ik schrok me dood",
        "mijn man pakt mijn loon af",
        "ik ga dood van de stress",
        "we staan vannacht op straat",
    ]
    script = (
        "import json, sys; from rasa_addons.safety_rules import assess; "
        "print(json.dumps([assess(t).as_dict() for t in json.loads(sys.argv[1])]))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [str(rasa_python), "-c", script, json.dumps(texts)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    version = subprocess.run(  # noqa: S603
        [str(rasa_python), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert version.stdout.strip() == "(3, 10)"
    assert json.loads(out.stdout) == [assess(t).as_dict() for t in texts]


# Method words, threats to children and a last message, added after the final check set was
# measured once (docs/safety.md): each with a look-alike that must stay calm.
@pytest.mark.parametrize(
    "text,tier,kind",
    [
        ("ik wil me opknopen", CERTAIN, "suicide"),
        ("soms denk ik erover om voor een vrachtwagen te springen", CERTAIN, "suicide"),
        ("vanmiddag heb ik het spoor opgezocht", CERTAIN, "suicide"),
        ("dit is waarschijnlijk mijn laatste bericht", CERTAIN, "suicide"),
        ("mijn broer heeft pillen geslikt", CERTAIN, "suicide"),
        ("ik heb al mijn slaappillen ingenomen", CERTAIN, "suicide"),
        ("ze weten mijn kinderen te vinden als ik niet betaal", CERTAIN, "loan_shark"),
        ("mijn laatste bericht ging over de huur", NONE, None),
        ("ik heb vanochtend mijn medicijnen ingenomen", NONE, None),
        ("ik heb alle pillen die ik nog had bij elkaar gelegd", CERTAIN, "suicide"),
        ("al mijn oude slaappillen van de afgelopen maanden opgespaard", CERTAIN, "suicide"),
        ("ik heb mijn medicijnen voor de hele week bij elkaar gelegd", NONE, None),
        ("alle medicijnen die ik gebruik staan op de lijst van de apotheek", NONE, None),
        ("de auto moet voor de apk", NONE, None),
        ("de bus voor de deur was te laat", NONE, None),
    ],
)
def test_methods_and_their_lookalikes(text: str, tier: str, kind: str | None) -> None:
    found = assess(text)
    assert (found.tier, found.kind) == (tier, kind), (text, found)
