"""DutchNormaliser: an NLU component that gives every token a normalised Dutch form to count.

Runs after the tokenizer and before the featurizers. Each token's `lemma` (which Rasa's
CountVectorsFeaturizer counts) becomes `rasa_addons.dutch_words.normal_form(token)`: standard
spelling, the concept behind organisation names and abbreviations, compound parts. The
original text, and so the entities, stay as they were. Whether it helps is measured in
docs/nlu.md.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.dutch_words import normal_form


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class DutchNormaliser(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """Sets each text token's lemma to its normalised Dutch form."""

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
    ) -> DutchNormaliser:
        """Create the component."""
        return cls()

    @staticmethod
    def _normalise(message: Message) -> None:
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            token.lemma = normal_form(token.text)

    def process(self, messages: list[Message]) -> list[Message]:
        """Normalise the tokens of incoming messages."""
        for message in messages:
            self._normalise(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalise the tokens of the training examples."""
        for message in training_data.training_examples:
            self._normalise(message)
        return training_data
