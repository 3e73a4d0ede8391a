"""CrisisGuard: an NLU component that forces the `crisis` intent on obvious crisis messages.

Placed after the intent classifier and before the FallbackClassifier, so a crisis message never
falls back and always gets 113/112 first, whatever the classifier thought.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.crisis_patterns import is_crisis

CRISIS_INTENT = "crisis"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisGuard(GraphComponent):
    """Overrides the intent with `crisis` when a crisis expression is found."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
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
        """Set intent `crisis` (confidence 1.0) on messages that match a crisis expression."""
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or not is_crisis(text):
                continue
            ranking = [
                {**r, "confidence": min(float(r.get("confidence", 0.0)), 0.5) * 0.5}
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get("name") != CRISIS_INTENT
            ]
            top = {"name": CRISIS_INTENT, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to do at training time."""
        return training_data
