"""The summary misses no second problem and keeps only redacted sentences; Wgs deadlines count
working days (weekends and public holidays of the Algemene termijnenwet skipped)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rasa_sdk import Tracker

from actions.handover import build_summary
from bot.conversations.commands import Kind, classify, normalise
from bot.conversations.deadlines import add_working_days, easter, first_contact, public_holidays
from bot.conversations.models import Inbound
from bot.conversations.safety import Screening
from bot.conversations.summary import add_message, key_sentences, topics_in


def tracker(events: list[dict[str, Any]], **slots: Any) -> Tracker:
    return Tracker("c1", slots, {}, events, False, None, {}, "action_listen")


def user(
    text: str, intent: str, confidence: float, ranking: list[tuple[str, float]]
) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        },
    }


def test_the_assistants_summary_keeps_a_second_problem() -> None:
    events = [
        user(
            "ik heb huurachterstand en vrijdag gaan ze mijn gas afsluiten",
            "rent_housing",
            0.62,
            [("rent_housing", 0.62), ("energy_water", 0.31), ("greet", 0.02)],
        ),
        user("mens", "ask_human", 0.97, [("ask_human", 0.97)]),
    ]
    summary = build_summary(tracker(events, topics=["rent_housing"], urgency_flags=[]))
    assert summary["topics"] == ["rent_housing", "energy_water"]
    assert summary["urgency_flags"] == ["cutoff"]  # from every message, not only topic answers


def test_an_urgency_flag_names_its_topic_too() -> None:
    events = [
        user("morgen staat de deurwaarder aan de deur", "debt_help", 0.5, [("debt_help", 0.5)])
    ]
    summary = build_summary(tracker(events, topics=["debt_help"]))
    assert summary["topics"] == ["debt_help", "debt_collector"]
    assert summary["urgency_flags"] == ["bailiff"]


def test_key_sentences_are_the_residents_own_words_redacted() -> None:
    texts = [
        "hoi",
        "mens",
        "ik heb een huurachterstand van drie maanden, mijn nummer is 0612345678",
        "ok",
        "en de zorgverzekering is ook opgezegd",
    ]
    wants = key_sentences(texts)
    assert len(wants) == 2 and "0612345678" not in wants[0] and "huurachterstand" in wants[0]
    assert wants[1] == "en de zorgverzekering is ook opgezegd"


def test_messages_typed_while_waiting_add_their_topics() -> None:
    summary = add_message(
        {"topics": ["rent_housing"], "wants": []}, "ik heb ook een boete van het CJIB"
    )
    assert summary["topics"] == ["rent_housing", "tax_government_debt"]
    assert topics_in("mijn huurachterstand") == ["rent_housing"]  # not also 'achterstand'


def test_commands_are_whole_messages_never_a_prefix() -> None:
    def kind(text: str) -> Kind:
        return classify(Inbound("web", "k", "s", "a", text=text), Screening())

    assert kind("Toch niet!") == Kind.CANCEL
    assert kind("toch niet zo makkelijk als ik dacht") == Kind.TEXT
    assert (
        kind("laat maar") == Kind.CANCEL and kind("laat maar weten wat ik moet doen") == Kind.TEXT
    )
    assert kind("STOP") == Kind.STOP and kind("stop met die brieven sturen") == Kind.TEXT
    assert kind("Verwijder mijn gegevens alsjeblieft") == Kind.FORGET
    assert kind("verwijder mijn gegevens niet hoor, ik wil hulp") == Kind.TEXT
    assert kind("Wie leest dit eigenlijk?") == Kind.WHO_READS
    assert kind("??") == Kind.WAIT_QUESTION and kind("👍") == Kind.TEXT
    assert normalise("  Hóé   lang nog?? ") == "hoe lang nog"


def test_a_sure_nlu_intent_counts_an_unsure_one_does_not() -> None:
    inbound = Inbound("web", "k", "s", "a", text="ik hoef niet meer te wachten hoor")
    assert classify(inbound, Screening(intent="cancel_handover", confidence=0.93)) == Kind.CANCEL
    assert classify(inbound, Screening(intent="cancel_handover", confidence=0.55)) == Kind.TEXT
    assert classify(inbound, Screening(tier="certain", kind="suicide")) == Kind.CRISIS
    assert classify(inbound, Screening(tier="possible")) == Kind.POSSIBLE_CRISIS


def test_threatening_debts_three_working_days_other_help_four_weeks() -> None:
    thursday = datetime(2025, 4, 24, 10, 0, tzinfo=UTC)
    # Friday 25, the weekend, Monday 28, Tuesday 29
    assert first_contact(thursday, ["eviction"]).due == date(2025, 4, 29)
    assert first_contact(thursday, ["cutoff"]).rule == "threatening"
    other = first_contact(thursday, ["bailiff"])
    assert other.rule == "debt_help" and other.due == date(2025, 5, 22)


def test_public_holidays_are_not_working_days() -> None:
    assert easter(2026) == date(2026, 4, 5)
    assert date(2026, 4, 6) in public_holidays(2026)  # tweede paasdag
    assert date(2026, 5, 14) in public_holidays(2026)  # hemelvaartsdag
    assert add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 29)  # over Christmas
    assert date(2025, 4, 26) in public_holidays(2025)  # 27 April 2025 is a Sunday: the 26th
