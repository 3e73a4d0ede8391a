"""Real rasa-sdk Trackers for action tests, built the way Rasa sends them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def user_event(
    text: str, intent: str, confidence: float = 0.9, entities: list | None = None
) -> dict:
    """A `user` event as it appears in a tracker."""
    parse = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "text": text,
    }
    return {"event": "user", "text": text, "parse_data": parse}


def make_tracker(
    text: str,
    intent: str,
    *,
    slots: dict[str, Any] | None = None,
    history: list[tuple[str, str]] = (),  # type: ignore[assignment]
    entities: list | None = None,
    requested_slot: str | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` with ``intent``."""
    events = [user_event(t, i) for t, i in history]
    latest = user_event(text, intent, entities=entities)
    events.append(latest)
    all_slots = {"requested_slot": requested_slot, **(slots or {})}
    return Tracker(
        sender_id="test",
        slots=all_slots,
        latest_message=latest["parse_data"],
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values an action set, by name."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def action_domain() -> dict[str, Any]:
    """The domain's responses as Rasa sends them to the action server (every domain/*.yml)."""
    from pathlib import Path

    from bot.yamlfile import parse_yaml

    responses: dict[str, Any] = {}
    for path in sorted((Path(__file__).resolve().parents[2] / "domain").rglob("*.yml")):
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        responses.update(data.get("responses") or {})
    return {"responses": responses}
