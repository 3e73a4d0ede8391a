"""A crisis said in one of the five languages is found, with its kind; look-alikes are not."""

from __future__ import annotations

import pytest

from rasa_addons.language_crisis import PATTERNS, find_crisis
from rasa_addons.language_id import ALIASES, detect


def guess(text: str) -> str:
    """The identifier's best guess, as the LanguageGuard passes it."""
    found = detect(text).found
    return ALIASES.get(found, found)


CRISES = [
    ("ölmek istiyorum", "suicide"),
    ("chcę umrzeć", "suicide"),
    ("I want to die, I can't do this anymore", "suicide"),
    ("I am thinking about suicide because of the debts", "suicide"),
    ("my partner hits me when I ask about money", "violence"),
    ("borçlar yüzünden artık yaşamak istemiyorum", "suicide"),
    ("intihar etmeyi düşünüyorum", "suicide"),
    ("kocam beni dövüyor ve paramı alıyor", "violence"),
    ("nie chcę już żyć przez te długi", "suicide"),
    ("mąż mnie bije i zabiera pieniądze", "violence"),
    ("я більше не хочу жити через борги", "suicide"),
    ("чоловік мене б'є і забирає гроші", "violence"),
    ("لا أريد أن أعيش بسبب الديون", "suicide"),
    ("زوجي يضربني ويأخذ المال", "violence"),
]
CALM = [
    "I don't want to die, I just want help with my rent",
    "nie chcę umrzeć, chcę tylko pomocy z czynszem",
    "я не хочу померти, мені просто потрібна допомога",
    "is dit een suicide lijn of ook voor schulden?",  # Dutch: the safety rules decide
    "my debts are killing me slowly haha",
    "borçlarım beni çok yoruyor",
]


@pytest.mark.parametrize(("text", "kind"), CRISES)
def test_a_crisis_in_the_five_languages_is_found(text: str, kind: str) -> None:
    found = find_crisis(text, guess(text))
    assert found is not None and found[1] == kind, (text, found)


@pytest.mark.parametrize("text", CALM)
def test_look_alikes_and_negations_are_no_crisis(text: str) -> None:
    assert find_crisis(text, guess(text)) is None


def test_every_language_has_suicide_and_violence_patterns() -> None:
    for language, rules in PATTERNS.items():
        assert {kind for kind, _ in rules} == {"suicide", "violence"}, language


def test_arabic_and_ukrainian_are_screened_whatever_the_detection() -> None:
    assert find_crisis("хочу померти", "nl") == ("uk", "suicide")
    assert find_crisis("أريد أن أموت", "nl") == ("ar", "suicide")
    assert find_crisis("I want to die", "nl") is None  # English in Dutch: the safety rules'


FIGURES = [
    "this bill will kill me",
    "honestly these debts are going to kill me",
    "bu fatura beni öldürecek",
    "borçlar beni öldürecek artık",
]
STILL_CRISES = [
    ("my husband will kill me if he sees this bill", "violence"),
    ("these debts make me want to kill myself", "suicide"),
    ("kocam faturayı görünce beni öldürecek", "violence"),
    ("borçlar yüzünden kendimi öldürmek istiyorum", "suicide"),
    ("with all these bills I wish someone would kill me", "suicide"),
    ("the debts, please just kill me", "suicide"),
]


@pytest.mark.parametrize("text", FIGURES)
def test_money_that_kills_is_a_figure_of_speech(text: str) -> None:
    assert find_crisis(text, guess(text)) is None


@pytest.mark.parametrize(("text", "kind"), STILL_CRISES)
def test_a_person_who_kills_or_killing_oneself_stays_a_crisis(text: str, kind: str) -> None:
    found = find_crisis(text, guess(text))
    assert found is not None and found[1] == kind, (text, found)
