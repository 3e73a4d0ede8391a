"""CrisisGuard: the safety layer inside Rasa's NLU pipeline.

Placed after the intent classifier and before the FallbackClassifier. It screens every message
with the shared rules (`rasa_addons/safety_rules.py`) and the classifier's ranking, and adds
``"safety": {"tier", "kind"}`` to every parse. *Certain*: intent `crisis` with confidence 1.0,
so a crisis never falls back and always gets its answer first. Not certain while the classifier
said `crisis`: the next intent takes its place (the classifier alone never decides a crisis).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.safety_rules import CERTAIN, CRISIS_INTENT, screen

SAFETY_KEY = "safety"


def _ranking(message: Message) -> list[dict[str, Any]]:
    ranking = list(message.get(INTENT_RANKING_KEY) or [])
    if not ranking and message.get(INTENT):
        ranking = [dict(message.get(INTENT))]
    return ranking


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisGuard(GraphComponent):
    """Screens every message; forces intent `crisis` when the safety layer is certain."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options: thresholds live in the shared rules, for the gateway too."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisGuard:
        """Create the component."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the screening to every message and set the intent it implies."""
        for message in messages:
            text = message.get(TEXT) or ""
            ranking = _ranking(message)
            found = screen(
                text,
                [(str(r.get("name")), float(r.get("confidence") or 0.0)) for r in ranking],
            )
            message.set(SAFETY_KEY, found.as_dict(), add_to_output=True)
            if text.lstrip().startswith("/"):
                continue  # a button payload: its intent is the payload's
            others = [r for r in ranking if r.get("name") != CRISIS_INTENT]
            if found.tier == CERTAIN:
                top = {"name": CRISIS_INTENT, "confidence": 1.0}
                lowered = [
                    {**r, "confidence": min(float(r.get("confidence") or 0.0), 0.5) * 0.5}
                    for r in others
                ]
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [top, *lowered], add_to_output=True)
            elif (message.get(INTENT) or {}).get("name") == CRISIS_INTENT:
                # the classifier said crisis, the safety layer is not certain: the message keeps
                # its `possible` tier and gets the next intent (or falls back after us)
                top = dict(others[0]) if others else {"name": "nlu_fallback", "confidence": 0.0}
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, others, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to do at training time."""
        return training_data
