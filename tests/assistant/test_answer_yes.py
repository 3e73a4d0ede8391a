"""A yes after a topic answer gets what the answer's question offered (actions/answer_yes.py),
with the real domain: every question at the end of a knowledge-base answer has its yes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_yes import LOCAL_HELP, PERSON, ActionAnswerYes, offered_yes
from tests.support.trackers import action_domain


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    """The domain's responses as Rasa sends them to the action server."""
    return action_domain()


def after(said: list[str], slots: dict[str, Any] | None = None) -> Tracker:
    """A tracker: a question, the assistant's answer (``said``), then "ja"."""
    question = {"intent": {"name": "tax_government_debt", "confidence": 0.9}, "text": "vraag"}
    yes = {"intent": {"name": "affirm", "confidence": 0.99}, "entities": [], "text": "ja"}
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "eerder", "parse_data": question},
        {"event": "bot", "text": "oud", "metadata": {"utter_action": "utter_kb_bvv_wat_is"}},
        {"event": "user", "text": "vraag", "parse_data": question},
        {"event": "action", "name": "action_answer_topic"},
        *({"event": "bot", "text": "…", "metadata": {"utter_action": name}} for name in said),
        {"event": "user", "text": "ja", "parse_data": yes},
    ]
    return Tracker(
        "test", {"language": None, **(slots or {})}, yes, events, False, None, {}, "action_listen"
    )


async def run(tracker: Tracker, domain: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerYes().run(dispatcher, tracker, domain)
    return [m["response"] for m in dispatcher.messages], events


async def test_yes_to_know_how_gets_the_next_entry(domain: dict[str, Any]) -> None:
    said, events = await run(after(["utter_kb_kwijtschelding_wat", "utter_offer_options"]), domain)
    assert said == ["utter_kb_kwijtschelding_aanvragen", "utter_offer_options"]
    told = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}["told"]
    assert told == ["utter_kb_kwijtschelding_aanvragen"]


async def test_the_next_entry_is_not_said_twice(domain: dict[str, Any]) -> None:
    tracker = after(
        ["utter_kb_kwijtschelding_wat", "utter_offer_options"],
        {"told": ["utter_kb_kwijtschelding_aanvragen"]},
    )
    said, _ = await run(tracker, domain)
    assert said == ["utter_kb_repeat"]


async def test_yes_to_a_person_asks_which_person(domain: dict[str, Any]) -> None:
    said, _ = await run(after(["utter_kb_huur_ontruiming_3_maanden"]), domain)
    assert said == ["utter_ask_kind"]
    said, _ = await run(
        after(["utter_rent_housing", "utter_offer_human_urgent", "utter_offer_human"]), domain
    )
    assert said == ["utter_ask_kind"]


async def test_yes_to_local_help_starts_it(domain: dict[str, Any]) -> None:
    _, events = await run(after(["utter_kb_voedselbank_gebied", "utter_offer_options"]), domain)
    assert events == [{"event": "followup", "name": "location_form", "timestamp": None}]
    known = after(["utter_kb_voedselbank_gebied"], {"municipality_code": "GM0344"})
    _, events = await run(known, domain)
    assert events[0]["name"] == "action_find_local_help"


async def test_yes_to_only_the_choices_asks_what_else(domain: dict[str, Any]) -> None:
    said, _ = await run(after(["utter_debt_help", "utter_offer_options"]), domain)
    assert said == ["utter_something_else"]  # the earlier turn's entry does not count


def test_every_question_at_the_end_of_an_entry_has_its_yes(domain: dict[str, Any]) -> None:
    responses = domain["responses"]
    for name, variants in responses.items():
        if not name.startswith("utter_kb_"):
            continue
        dutch = next(v for v in variants if not v.get("condition"))
        target = (dutch.get("metadata") or {}).get("after_yes")
        if re.search(r"\?\s*$", dutch["text"]):
            assert target, f"{name} ends with a question but says nothing about its yes"
        if target:
            assert target in (PERSON, LOCAL_HELP) or f"utter_kb_{target}" in responses, (
                name,
                target,
            )
            assert offered_yes([name], domain) == target
