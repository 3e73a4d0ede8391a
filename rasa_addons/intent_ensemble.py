"""An ensemble of two intent classifiers: keep the first one's ranking, average it in later.

Rasa lets each intent classifier overwrite the previous one. `RankingStash` (placed after the
first classifier) keeps its ranking aside; `IntentEnsemble` (after the second) averages the two
rankings with a weight and sets the intent from the result. Measured in docs/nlu.md.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

STASH = "stashed_intent_ranking"


class _Simple(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """A component without training and without state."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _Simple:
        """Create the component."""
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to do at training time."""
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RankingStash(_Simple):
    """Keeps the current intent ranking aside for `IntentEnsemble`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}

    def process(self, messages: list[Message]) -> list[Message]:
        """Copy the ranking."""
        for message in messages:
            message.set(STASH, list(message.get(INTENT_RANKING_KEY) or []))
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentEnsemble(_Simple):
    """Averages the stashed ranking into the current one (`weight` is the current one's share)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The current classifier's weight in the average."""
        return {"weight": 0.5}

    def process(self, messages: list[Message]) -> list[Message]:
        """Average both rankings and set the intent from the result."""
        weight = float(self.config["weight"])
        for message in messages:
            stashed = {r["name"]: float(r["confidence"]) for r in message.get(STASH) or []}
            current = {
                r["name"]: float(r["confidence"]) for r in message.get(INTENT_RANKING_KEY) or []
            }
            if not stashed or not current:
                continue
            names = set(stashed) | set(current)
            ranking = sorted(
                (
                    {
                        "name": name,
                        "confidence": weight * current.get(name, 0.0)
                        + (1 - weight) * stashed.get(name, 0.0),
                    }
                    for name in names
                ),
                key=lambda r: -r["confidence"],
            )[:10]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
