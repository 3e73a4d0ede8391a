"""LanguageGuard: an NLU component that marks English messages, so they get an English answer.

Adds `"language": "en" | "nl"` to every parse. On an English message the money topics keep their
intent (the topic is remembered for the person who takes over; the action answers in English);
every other intent becomes `speak_english`. Placed after the intent classifier and before the
crisis component, so a crisis in English still gets the crisis answer first.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.english import is_english

LANGUAGE = "language"
ENGLISH_INTENT = "speak_english"
# intents an English message keeps: its money topic, and a crisis (never overridden)
KEEP = frozenset(
    {
        "debt_help",
        "payment_arrears",
        "rent_housing",
        "energy_water",
        "health_insurance",
        "debt_collector",
        "benefits_toeslagen",
        "income_support",
        "food_basic_needs",
        "budgeting_admin",
        "tax_government_debt",
        "work_future",
        "crisis",
        ENGLISH_INTENT,
    }
)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageGuard(GraphComponent):
    """Marks the language of each message; English non-topic messages become `speak_english`."""

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
    ) -> LanguageGuard:
        """Create the component."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the language; override the intent of English messages that are not a topic."""
        for message in messages:
            english = is_english(message.get(TEXT) or "")
            message.set(LANGUAGE, "en" if english else "nl", add_to_output=True)
            intent = (message.get(INTENT) or {}).get("name")
            if not english or intent in KEEP:
                continue
            ranking = [
                {**r, "confidence": float(r.get("confidence", 0.0)) * 0.5}
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get("name") != ENGLISH_INTENT
            ]
            top = {"name": ENGLISH_INTENT, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top] + ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to do at training time."""
        return training_data
