"""SentenceIntentClassifier: the intent by meaning, blended with DIET's ranking.

DIET (config.yml) learns our sentences from their words and character n-grams; it is sure and
often wrong on words nobody on the team wrote. This component, placed right after DIET, fits a
logistic regression over every NLU example's multilingual sentence embedding (``e5``, the
model the knowledge matcher uses, so a message is embedded once per parse) plus character and
word TF-IDF, and sets the intent from ``weight`` × its probabilities + (1 − weight) × DIET's
ranking (renormalised over the intents DIET lists). The FallbackClassifier, the crisis guard
and the knowledge matcher then work on the blended ranking.

Button payloads ("/intent") keep DIET's ranking (Rasa maps them to their intent anyway). The
weight was chosen on the team's register set, with the real-words dev half as the check
(docs/nlu.md, "Meaning blended with DIET").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from rasa_addons.knowledge_matcher import DEFAULT_PARAMS, KnowledgeIndex, _encoder

logger = logging.getLogger(__name__)

RANKING_LENGTH = 10

try:  # the component needs Rasa; `blend` below does not (unit tests in the app environment)
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
except ImportError:  # pragma: no cover - app venv without Rasa
    GraphComponent = object
    DefaultV1Recipe = None


def blend(
    diet_ranking: list[dict[str, Any]], meaning: dict[str, float], weight: float
) -> list[dict[str, Any]]:
    """``weight`` × ``meaning`` + (1 − weight) × DIET's ranking renormalised over its intents,
    best first (at most ``RANKING_LENGTH``). A fallback entry in DIET's ranking is ignored."""
    diet = {
        str(r["name"]): float(r["confidence"])
        for r in diet_ranking
        if r.get("name") and r["name"] != "nlu_fallback"
    }
    total = sum(diet.values()) or 1.0
    names = set(diet) | set(meaning)
    mixed: list[dict[str, Any]] = [
        {
            "name": name,
            "confidence": weight * meaning.get(name, 0.0)
            + (1 - weight) * diet.get(name, 0.0) / total,
        }
        for name in names
    ]
    mixed.sort(key=lambda r: (-r["confidence"], r["name"]))
    return mixed[:RANKING_LENGTH]


def _register(cls: Any) -> Any:
    if DefaultV1Recipe is None:  # pragma: no cover
        return cls
    return DefaultV1Recipe.register(
        [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
    )(cls)


@_register
class SentenceIntentClassifier(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """Blends an intent model over sentence meaning into DIET's ranking."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The sentence model, the blend weight and the linear model's parameters."""
        return {"model": "e5", "weight": 0.65, **DEFAULT_PARAMS}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        index: KnowledgeIndex | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.index = index

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceIntentClassifier:
        """A new, untrained classifier."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceIntentClassifier:
        """The trained classifier (without one, DIET's ranking stays as it is)."""
        try:
            with model_storage.read_from(resource) as folder:
                return cls(config, model_storage, resource, KnowledgeIndex.read(Path(folder)))
        except (ValueError, FileNotFoundError):
            logger.warning("No sentence intent model in the model: DIET's ranking is used alone.")
            return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Embed every intent example and fit the linear model over the intents."""
        examples = [
            (str(m.get(TEXT)), str(m.get(INTENT)), str(m.get(INTENT)))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT)
        ]
        params = {k: float(self.config[k]) for k in DEFAULT_PARAMS}
        self.index = KnowledgeIndex.build(
            examples, _encoder(self.config["model"], persist=True), params
        )
        with self._storage.write_to(self._resource) as folder:
            self.index.save(Path(folder))
        logger.info(
            "Sentence intent model: %d examples of %d intents.",
            len(examples),
            len(self.index.entries),
        )
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Blend the meaning into the ranking of every typed message."""
        if self.index is None:
            return messages
        texts = [str(m.get(TEXT) or "") for m in messages]
        typed = [i for i, t in enumerate(texts) if t.strip() and not t.lstrip().startswith("/")]
        if not typed:
            return messages
        chosen = [texts[i] for i in typed]
        dense = np.asarray(_encoder(self.config["model"])(chosen), dtype=np.float32)
        probabilities = self.index.probabilities(chosen, dense)
        weight = float(self.config["weight"])
        for row, i in zip(probabilities, typed, strict=True):
            message = messages[i]
            meaning = {name: float(p) for name, p in zip(self.index.entries, row, strict=True)}
            ranking = blend(list(message.get(INTENT_RANKING_KEY) or []), meaning, weight)
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data
