"""Every text a resident sees follows the schrijfwijzer: B1, je-vorm, short, kind, no orders.

Every language (issue 17): each response has a variant per language (a condition on the slot
`language`, the one without is Dutch). The Dutch word lists apply to Dutch variants; every
language has its own list of orders ("je moet" and its equivalents, docs/languages.md), and
sentence length, one question per bubble, emoji and button rules apply to all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.yamlfile import read_yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "domain"
MAX_WORDS = 20
MAX_AVERAGE_WORDS = 12  # the schrijfwijzer aims at about 10 words a sentence
BANNED = [
    "indien",
    "middels",
    "door middel van",
    "teneinde",
    "derhalve",
    "dient",
    "dienen",
    "alsmede",
    "tevens",
    "reeds",
    "inzake",
    "betreffende",
    "conform",
    "verstrekken",
    "verstrekt",
    "in het bezit",
    "beschikken over",
    "problematiek",
    "cliënt",
    "client",
]
ORDERS = [r"\bje moet\b", r"\bjij moet\b", r"\bu\b", r"\buw\b", r"\bu moet\b"]
# "je moet" in the other languages: an order in a sentence that is not a question and not
# negated ("you don't have to" is kind; "do you have to pay back?" repeats the resident's worry)
ORDERS_BY_LANGUAGE = {
    "en": r"\byou (?:must|have to|need to|should)\b",
    "tr": r"m[ae]l[ıi]s[ıi]n[ıi]z\b|zorundas[ıi]n[ıi]z\b|\bgerekir\b",
    "pl": r"\bmusisz\b|\bpowinie?n(?:eś|naś)\b|\bmusicie\b",
    "uk": r"\bмусите\b|\bповинні\b|\bтреба\b|\bмаєте\b",
    "ar": r"يجب عليك|عليك أن|يجب أن",
}
NEGATION = re.compile(r"\b(?:don'?t|not|no|nie|не|ні)\b|değil|لا داعي|ليس|لا ", re.IGNORECASE)
QUESTION_MARKS = ("?", "؟")
LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")
# responses whose buttons are a list (WhatsApp shows up to 10 rows, not 3 reply buttons)
LISTS = {"utter_choose_language"}
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
CRISIS_RESPONSES = {"utter_crisis", "utter_handover_crisis"}


def load_responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN.rglob("*.yml")):
        data = read_yaml(path) or {}  # libyaml: the pure-Python parser takes ten times as long
        for name, variants in (data.get("responses") or {}).items():
            responses[name] = variants
    return responses


def language_of(variant: dict) -> str:
    """The language a variant is written in (its condition on `language`; none: Dutch)."""
    for condition in variant.get("condition") or []:
        if condition.get("name") in ("language", "language_detected"):
            return str(condition.get("value"))
    return "nl"


RESPONSES = load_responses()


def variants_in(language: str) -> list[tuple[str, int, dict]]:
    """Every variant written in ``language``: its response's name, its index there, itself."""
    return [
        (name, i, v)
        for name, variants in RESPONSES.items()
        for i, v in enumerate(variants)
        if language_of(v) == language
    ]


def assert_every_variant(language: str, check: Callable[[str, str, dict], list[str]]) -> None:
    """Run ``check`` on every variant in ``language``; fail with every problem found, not the first.

    One test per check and language instead of one per variant: the same cases, checked each
    run, without 20,000 test items of a few microseconds each (issue 22)."""
    found = variants_in(language)
    assert found, f"no variants in {language}"
    problems = [
        f"{problem} (variant {index})"
        for name, index, variant in found
        for problem in check(name, language, variant)
    ]
    assert not problems, f"{len(problems)} problem(s) in {language}:\n" + "\n".join(problems)


def sentences(text: str) -> list[str]:
    """Split on sentence ends and line breaks; placeholders count as one word."""
    parts = []
    for line in text.splitlines():
        parts += [s for s in re.split(r"(?<=[.?!:؟])\s+", line.strip()) if s.strip()]
    return parts


def words(sentence: str) -> list[str]:
    return re.sub(r"\{[^}]+\}", "X", sentence).split()


def test_there_are_responses() -> None:
    assert len(RESPONSES) > 40


def long_sentences(name: str, language: str, variant: dict) -> list[str]:
    too_long = [s for s in sentences(variant.get("text", "")) if len(words(s)) > MAX_WORDS]
    return [f"{name}: sentences over {MAX_WORDS} words: {too_long}"] if too_long else []


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_are_short(language: str) -> None:
    assert_every_variant(language, long_sentences)


def officialese_and_orders(name: str, language: str, variant: dict) -> list[str]:
    text = variant.get("text", "").lower()
    if language == "nl":
        found = [w for w in BANNED if re.search(rf"\b{re.escape(w)}\b", text)]
        found += [p for p in ORDERS if re.search(p, text)]
    else:
        found = orders_in(text, language)
    return [f"{name} ({language}): avoid {found}"] if found else []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_officialese_and_no_orders(language: str) -> None:
    assert_every_variant(language, officialese_and_orders)


def orders_in(text: str, language: str) -> list[str]:
    """Sentences that give an order in ``language`` (not questions, not negated)."""
    pattern = re.compile(ORDERS_BY_LANGUAGE[language], re.IGNORECASE)
    return [
        s
        for s in sentences(text)
        if pattern.search(s) and not s.rstrip().endswith(QUESTION_MARKS) and not NEGATION.search(s)
    ]


def several_questions(name: str, language: str, variant: dict) -> list[str]:
    return [
        f"{name}: more than one question in: {bubble!r}"
        for bubble in variant.get("text", "").split("\n\n")  # Rasa sends each paragraph apart
        if sum(bubble.count(mark) for mark in QUESTION_MARKS) > 1
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_question_per_message(language: str) -> None:
    assert_every_variant(language, several_questions)


def emoji_and_exclamation(name: str, language: str, variant: dict) -> list[str]:
    text = variant.get("text", "")
    problems = [f"{name}: at most one emoji"] if len(EMOJI.findall(text)) > 1 else []
    if name in CRISIS_RESPONSES:
        if EMOJI.search(text):
            problems.append(f"{name}: no emoji in crisis messages")
        if "!" in text:
            problems.append(f"{name}: no exclamation marks in crisis messages")
        if variant.get("buttons"):
            problems.append(f"{name}: no buttons that lead away from help")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_emoji_and_exclamation(language: str) -> None:
    assert_every_variant(language, emoji_and_exclamation)


def buttons_too_many_or_long(name: str, language: str, variant: dict) -> list[str]:
    buttons = variant.get("buttons") or []
    most = 10 if name in LISTS else 3  # a WhatsApp list has up to 10 rows
    problems = (
        [f"{name}: WhatsApp shows at most {most} buttons here"] if len(buttons) > most else []
    )
    problems += [
        f"{name}: button title over 20 chars: {button['title']}"
        for button in buttons
        if len(button["title"]) > 20
    ]
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_button_titles_fit_whatsapp(language: str) -> None:
    assert_every_variant(language, buttons_too_many_or_long)


@pytest.mark.parametrize("language", LANGUAGES)
def test_sentences_are_short_on_average(language: str) -> None:
    """About 10 words a sentence over all responses, and no response far above that."""
    counts = {
        name: [
            len(words(s))
            for v in variants
            if language_of(v) == language
            for s in sentences(v.get("text", ""))
        ]
        for name, variants in RESPONSES.items()
    }
    every = [n for lengths in counts.values() for n in lengths]
    assert sum(every) / len(every) <= MAX_AVERAGE_WORDS, (
        f"average {sum(every) / len(every):.1f} words"
    )
    wordy = {
        name: round(sum(c) / len(c), 1) for name, c in counts.items() if c and sum(c) / len(c) > 15
    }
    assert not wordy, f"responses with long sentences on average: {wordy}"


def test_the_checks_catch_bad_text() -> None:
    """The rules above really fail on text that breaks them."""
    bad = "Indien je schulden hebt, je moet derhalve direct bellen! Wat? Waarom?"
    assert any(re.search(rf"\b{w}\b", bad.lower()) for w in BANNED)
    assert re.search(ORDERS[0], bad.lower())
    assert bad.count("?") > 1
    long = " ".join(["woord"] * 21) + "."
    assert len(words(sentences(long)[0])) > MAX_WORDS
    assert orders_in("You must call them today.", "en")
    assert not orders_in("You don't have to call them.", "en")
    assert not orders_in("Do you have to pay back an allowance?", "en")
    assert orders_in("Hemen aramalısınız.", "tr") and orders_in("Musisz zadzwonić.", "pl")
    assert orders_in("Вам треба подзвонити.", "uk") and orders_in("يجب عليك الاتصال.", "ar")
    assert sum("هل؟ لماذا؟".count(m) for m in QUESTION_MARKS) == 2
    # each check, on one variant that breaks it (the tests above run them on every variant)
    crisis = {"text": "Bel nu! 🙂", "buttons": [{"title": "Ander onderwerp", "payload": "/x"}]}
    assert len(emoji_and_exclamation("utter_crisis", "nl", crisis)) == 3
    assert long_sentences("utter_x", "nl", {"text": long})
    assert officialese_and_orders("utter_x", "nl", {"text": bad})
    assert officialese_and_orders("utter_x", "en", {"text": "You must call them today."})
    assert several_questions("utter_x", "nl", {"text": bad}) and not several_questions(
        "utter_x", "nl", {"text": "Wat?\n\nWaarom?"}
    )
    four = {"buttons": [{"title": "Een heel lange knoptitel", "payload": "/x"}] * 4}
    assert len(buttons_too_many_or_long("utter_x", "nl", four)) == 5
