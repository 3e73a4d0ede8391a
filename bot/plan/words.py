"""A step in words, in the resident's language (the domain responses `utter_plan_step_*`)."""

from __future__ import annotations

from bot.plan.tables import PlanStep
from bot.texts import TextCatalog


def step_text(texts: TextCatalog, step: PlanStep, language: str | None) -> str:
    """What the step says: a counsellor's own words, else its response with its values."""
    if step.text:
        return step.text
    if not step.response or step.response not in texts.names():
        return ""
    return texts.render(step.response, language=language, **(step.values or {})).text
