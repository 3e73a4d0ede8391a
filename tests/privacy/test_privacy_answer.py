"""The privacy answer states the real settings: the retention of the resident's municipality
(else the default), who reads along (the team; an admin only with a logged reason), and what is
never passed on. Checked on the texts and through the real action server over HTTP."""

from __future__ import annotations

import aiohttp
import pytest

from bot.privacy.answer import render_answer, retention_words
from bot.settings import Settings


def test_the_answer_says_how_long_for_this_municipality() -> None:
    settings = Settings(transcript_retention_days=90, retention_days_by_municipality="GM0363=30")
    default = render_answer(settings)
    assert "We bewaren het gesprek 90 dagen." in default
    assert "We bewaren het gesprek 30 dagen." in render_answer(settings, "GM0363")
    assert "hulpteam van je gemeente" in default and "beheerder" in default and "reden" in default
    assert "Belastingdienst" in default and "Toeslagen" in default
    assert "{" not in default
    assert retention_words(1) == "1 dag"


@pytest.mark.rasa
async def test_the_action_server_fills_in_the_retention(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    tracker = {
        "sender_id": "privacy-answer",
        "slots": {"municipality_code": None},
        "latest_message": {"text": "wie leest dit", "intent": {"name": "privacy_trust"}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {
        "next_action": "action_privacy",
        "sender_id": "privacy-answer",
        "tracker": tracker,
        "domain": {},
        "version": "3.6.21",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            rasa_stack.action_url, json=body, timeout=aiohttp.ClientTimeout(total=60)
        ) as resp,
    ):
        assert resp.status == 200
        data = await resp.json()
    [message] = data["responses"]
    assert message["response"] == "utter_privacy"
    assert message["privacy_retention"] == "90 dagen"  # the stack runs with the default settings
