"""KnowledgeCarry: a sure knowledge-base entry answers a question the intent was torn about.

The FallbackClassifier falls back when the best intent is below its threshold or too close to
the second ("ambiguity"). A specific question often names two topics at once ("a payment
arrangement with my energy supplier": payment arrears and energy): the intent is torn, the
fallback says "I don't understand", and yet the knowledge matcher knows the exact entry. Placed
after the FallbackClassifier, this component gives such a message the entry's topic when

- the intent is the fallback and the message has no safety verdict,
- the best knowledge-base entry is at least ``min_confidence`` sure,
- the entry's topic is one of the ``top`` intents of the ranking (the classifier agrees the
  topic is plausible, so a question about something else is not pulled into a money topic), and
- the classifier's best guess is not ``out_of_scope``: torn between "not ours" first and a money
  topic second, the message is most likely not ours ("mijn huurder is al drie maanden achter,
  hoe zet ik hem uit huis" is a landlord's question; the rent-arrears entry answers a tenant).
  Measured: none of the 300 held-out paraphrases, nor any message of the real dev half, the
  register or the unseen set, was carried with ``out_of_scope`` first.

The intent then gets the topic with the confidence the ranking gave it; the answer tiers in
actions/knowledge.py answer with the entry. Button payloads never reach here (no entry).
"""

from __future__ import annotations

from typing import Any

from rasa_addons.knowledge_matcher import FALLBACK_INTENT
from rasa_addons.money_topics import MONEY_TOPICS

OUT_OF_SCOPE = "out_of_scope"

try:  # the component needs Rasa; `carried` below does not (unit tests in the app environment)
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
    from rasa.shared.nlu.training_data.message import Message
except ImportError:  # pragma: no cover - app venv without Rasa
    GraphComponent = object
    DefaultV1Recipe = None


def carried(
    intent: dict[str, Any] | None,
    ranking: list[dict[str, Any]],
    knowledge: dict[str, Any] | None,
    safety: dict[str, Any] | None,
    min_confidence: float,
    top: int,
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The new intent and ranking when a sure entry's topic should replace the fallback,
    else None."""
    if (intent or {}).get("name") != FALLBACK_INTENT:
        return None
    if isinstance(safety, dict) and safety.get("tier") not in (None, "none"):
        return None
    if not isinstance(knowledge, dict) or not knowledge.get("id"):
        return None
    topic = knowledge.get("topic")
    if topic not in MONEY_TOPICS or float(knowledge.get("confidence") or 0.0) < min_confidence:
        return None
    ranked = [r for r in ranking if r.get("name") != FALLBACK_INTENT]
    if not ranked or ranked[0].get("name") == OUT_OF_SCOPE:
        return None
    if topic not in [r.get("name") for r in ranked[:top]]:
        return None
    chosen = next(r for r in ranked if r.get("name") == topic)
    rest = [r for r in ranked if r.get("name") != topic]
    return dict(chosen), [dict(chosen), *rest]


if DefaultV1Recipe is not None:

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
    class KnowledgeCarry(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy
        """Gives a torn fallback the topic of a sure knowledge-base entry."""

        def __init__(self, config: dict[str, Any]) -> None:
            self.config = {**self.get_default_config(), **config}

        @staticmethod
        def get_default_config() -> dict[str, Any]:
            """How sure the entry must be, and among how many best intents its topic is."""
            return {"min_confidence": 0.5, "top": 2}

        @classmethod
        def create(
            cls,
            config: dict[str, Any],
            model_storage: ModelStorage,
            resource: Resource,
            execution_context: ExecutionContext,
        ) -> KnowledgeCarry:
            """The component (nothing to train)."""
            return cls(config)

        def process(self, messages: list[Message]) -> list[Message]:
            """Replace the fallback where a sure entry's topic is plausible."""
            for message in messages:
                found = carried(
                    message.get(INTENT),
                    list(message.get(INTENT_RANKING_KEY) or []),
                    message.get("knowledge"),
                    message.get("safety"),
                    float(self.config["min_confidence"]),
                    int(self.config["top"]),
                )
                if found is not None:
                    message.set(INTENT, found[0], add_to_output=True)
                    message.set(INTENT_RANKING_KEY, found[1], add_to_output=True)
            return messages
