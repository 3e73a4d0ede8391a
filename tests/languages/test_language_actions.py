"""The conversation's language on real trackers (actions/language.py): when it changes, when not.

The same decisions run through the trained model in test_webchat_languages.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.language import (
    ActionChooseLanguage,
    ActionLanguage,
    ActionLanguageNotice,
    decide,
)
from bot.settings import Settings, SettingsError, languages_for, load_settings
from tests.support.trackers import make_tracker, slot_events

ALL = frozenset({"nl", "en", "ar", "tr", "pl", "uk"})
DUTCH_ONLY = frozenset({"nl"})


def parsed(text: str, intent: str, language: str, clear: bool, **kw: Any):  # type: ignore[no-untyped-def]
    tracker = make_tracker(text, intent, **kw)
    tracker.latest_message["language"] = language
    tracker.latest_message["language_detection"] = {"language": language, "clear": clear}
    return tracker


def test_a_clear_message_switches_and_offers_once() -> None:
    slots = decide(parsed("kiramı ödeyemiyorum ev sahibi kızgın", "rent_housing", "tr", True), ALL)
    assert slots["language"] == "tr" and slots["language_notice"] is True
    assert slots["language_notice_kind"] == "offer" and slots["language_offered"] == ["tr"]
    again = parsed(
        "hala ödeyemiyorum ne yapayım",
        "rent_housing",
        "tr",
        True,
        slots={"language": "tr", "language_offered": ["tr"]},
    )
    slots = decide(again, ALL)
    assert slots["language"] == "tr" and slots["language_notice"] is False


@pytest.mark.parametrize("text", ["ja", "ok", "hoi", "help", "evet"])
def test_one_or_two_words_keep_the_language(text: str) -> None:
    tracker = parsed(text, "affirm", "nl", False, slots={"language": "tr"})
    assert decide(tracker, ALL)["language"] == "tr"


def test_a_clear_dutch_message_switches_back_unless_the_resident_chose() -> None:
    auto = parsed("ik heb toch liever nederlands", "deny", "nl", True, slots={"language": "tr"})
    assert decide(auto, ALL)["language"] == "nl"
    chosen = parsed(
        "ik heb een brief van de deurwaarder",
        "debt_collector",
        "nl",
        True,
        slots={"language": "tr", "language_chosen": True},
    )
    assert decide(chosen, ALL)["language"] == "tr"


def test_the_button_sets_the_language_and_keeps_it() -> None:
    button = make_tracker(
        '/switch_language{"language":"pl"}',
        "switch_language",
        entities=[{"entity": "language", "value": "pl"}],
    )
    slots = decide(button, ALL)
    assert slots["language"] == "pl" and slots["language_chosen"] is True
    assert slots["language_notice"] is False


def test_a_request_names_a_language_dutch_is_passed_over() -> None:
    request = make_tracker(
        "mijn nederlands is niet goed, engels graag",
        "choose_language",
        entities=[{"entity": "language", "value": "nl"}, {"entity": "language", "value": "en"}],
    )
    assert decide(request, ALL)["language"] == "en"


def test_a_language_that_is_off_keeps_dutch_with_one_line() -> None:
    tracker = parsed("borçlarım için yardım istiyorum", "debt_help", "tr", True)
    slots = decide(tracker, DUTCH_ONLY)
    assert slots["language"] == "nl" and slots["language_detected"] == "tr"
    assert slots["language_notice"] is True and slots["language_notice_kind"] == "off"
    later = parsed(
        "borçlarım çok fazla", "debt_help", "tr", True, slots={"language_offered": ["tr"]}
    )
    assert decide(later, DUTCH_ONLY)["language_notice"] is False  # said once


async def run(action, tracker, domain=None):  # type: ignore[no-untyped-def]
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain or {})
    return dispatcher.messages, events


async def test_action_language_sets_every_language_slot() -> None:
    _, events = await run(
        ActionLanguage(), parsed("I cannot pay my rent", "rent_housing", "en", True)
    )
    slots = slot_events(events)
    assert set(slots) == {
        "language",
        "language_notice",
        "language_notice_kind",
        "language_detected",
        "language_chosen",
        "language_offered",
    }


async def test_the_notice_never_puts_buttons_after_a_crisis_answer() -> None:
    crisis = make_tracker("I want to die", "crisis", slots={"language_notice_kind": "offer"})
    messages, events = await run(ActionLanguageNotice(), crisis)
    assert messages == [] and slot_events(events) == {"language_notice": False}
    off = make_tracker("I want to die", "crisis", slots={"language_notice_kind": "off"})
    messages, _ = await run(ActionLanguageNotice(), off)
    assert [m["response"] for m in messages] == ["utter_language_off_crisis"]
    topic = make_tracker("I have debts", "debt_help", slots={"language_notice_kind": "offer"})
    messages, _ = await run(ActionLanguageNotice(), topic)
    assert [m["response"] for m in messages] == ["utter_language_offer"]


async def test_the_menu_shows_only_the_languages_switched_on(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot.texts import TextCatalog

    monkeypatch.setenv("GELDHULP_LANGUAGES_BY_MUNICIPALITY", "GM0014=en,tr")
    import actions.language as language

    language._settings.cache_clear()
    try:
        catalog = TextCatalog.load()
        domain = {"responses": {"utter_choose_language": catalog.variants("utter_choose_language")}}
        tracker = make_tracker("taal", "choose_language", slots={"municipality_code": "GM0014"})
        messages, _ = await run(ActionChooseLanguage(), tracker, domain)
        payloads = [b["payload"] for b in messages[0]["buttons"]]
        assert [p.split('"')[-2] for p in payloads] == ["nl", "en", "tr"]
    finally:
        language._settings.cache_clear()


def test_the_setting_per_municipality_and_its_default() -> None:
    settings = Settings(languages_by_municipality="GM0363=en,tr;gm0518=ar", languages_default="en")
    assert languages_for(settings, "GM0363") == {"nl", "en", "tr"}
    assert languages_for(settings, "GM0518") == {"nl", "ar"}
    assert languages_for(settings, "GM0014") == {"nl", "en"}
    assert languages_for(settings, None) == {"nl", "en"}
    assert languages_for(Settings(), None) == {"nl"}  # off until switched on
    with pytest.raises(SettingsError, match="LANGUAGES"):
        load_settings({"GELDHULP_LANGUAGES_DEFAULT": "en,fr"})
    with pytest.raises(SettingsError, match="LANGUAGES_BY_MUNICIPALITY"):
        load_settings({"GELDHULP_LANGUAGES_BY_MUNICIPALITY": "en,tr"})
