"""LanguageGuard: the language of every message, and a crisis in any language stays a crisis.

Adds to every parse ``"language"`` (one of nl en ar tr pl uk: the message's language when the
identifier is sure, else nl)
and ``"language_detection"`` (``rasa_addons.language_id.Detection.as_dict``: confidence, words,
and ``clear``: only a clear message may switch the conversation's language; one or two words
never are). The conversation's language itself is the slot ``language`` (actions/language.py).

The intent is never changed for the language: a Turkish debt question keeps ``debt_help``.
Placed after the CrisisGuard: a message whose words say a crisis in one of the five languages
(``rasa_addons.language_crisis``) becomes ``crisis`` with the *certain* tier and its kind, as a
Dutch one does through the shared safety rules.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.language_crisis import find_crisis
from rasa_addons.language_id import ALIASES, detect, prepare

LANGUAGE = "language"
DETECTION = "language_detection"
SAFETY = "safety"
CRISIS_INTENT = "crisis"
CERTAIN = "certain"


def _is_crisis_certain(message: Message) -> bool:
    safety = message.get(SAFETY) or {}
    return isinstance(safety, dict) and safety.get("tier") == CERTAIN


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class LanguageGuard(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """Marks the language of each message; a crisis in another language becomes certain."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options: the thresholds live in rasa_addons/language_id.py."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageGuard:
        """Create the component, with the identifier's model read (Rasa's start, not a resident's
        first message, waits for it)."""
        prepare()
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the language; make a crisis said in one of the five languages certain."""
        for message in messages:
            text = message.get(TEXT) or ""
            found = detect(text)
            message.set(LANGUAGE, found.language, add_to_output=True)
            message.set(DETECTION, found.as_dict(), add_to_output=True)
            if text.lstrip().startswith("/") or _is_crisis_certain(message):
                continue
            # the identifier's best guess, also when unsure: a two-word crisis is still a crisis
            crisis = find_crisis(text, ALIASES.get(found.found, found.found))
            if crisis is None:
                continue
            _language, kind = crisis
            ranking = [
                {**r, "confidence": min(float(r.get("confidence") or 0.0), 0.5) * 0.5}
                for r in message.get(INTENT_RANKING_KEY) or []
                if r.get("name") != CRISIS_INTENT
            ]
            top = {"name": CRISIS_INTENT, "confidence": 1.0}
            message.set(INTENT, top, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
            message.set(SAFETY, {"tier": CERTAIN, "kind": kind}, add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to do at training time."""
        return training_data
