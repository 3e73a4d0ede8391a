"""UnknownPayload: a button payload Rasa does not know becomes the intent `stale_choice`.

A resident can press a button of an old message, or a channel can send `/something` that no
longer exists. Rasa would then classify the raw text "/something" as if a person had typed it,
and act on whatever came out. This component remembers at training time which intents and
`/…` examples exist; any other payload-shaped message gets `stale_choice` (confidence 1.0), which
the dialogue answers with "die keuze is er niet meer" and the current choices. Rasa's own
RegexMessageHandler runs after the pipeline and still sets every intent the domain knows.
"""

from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.payloads import payload_intent

STALE_INTENT = "stale_choice"
FILE = "known.json"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownPayload(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """Gives unknown `/intent` payloads the intent `stale_choice`."""

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        known_intents: frozenset[str] = frozenset(),
        known_texts: frozenset[str] = frozenset(),
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.known_intents = known_intents
        self.known_texts = known_texts

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
    ) -> UnknownPayload:
        """Create an untrained component."""
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Remember every intent and every `/…` example of the training data."""
        intents = sorted(i for i in training_data.intents if i)
        texts = sorted(
            {
                str(m.get(TEXT)).strip().lower()
                for m in training_data.intent_examples
                if str(m.get(TEXT) or "").startswith("/") and (m.get(INTENT) or "") != STALE_INTENT
            }
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(
                json.dumps({"intents": intents, "texts": texts}), encoding="utf-8"
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownPayload:
        """Load what training remembered (nothing, when the resource is missing)."""
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            data = {}
        return cls(
            model_storage,
            resource,
            frozenset(data.get("intents") or ()),
            frozenset(data.get("texts") or ()),
        )

    def process(self, messages: list[Message]) -> list[Message]:
        """Set `stale_choice` on payloads of intents the training data does not have."""
        for message in messages:
            text = str(message.get(TEXT) or "")
            name = payload_intent(text)
            if name is None or name in self.known_intents:
                continue
            if text.strip().lower() in self.known_texts:
                continue
            top = {"name": STALE_INTENT, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data
