"""CrisisGuard: the safety layer inside Rasa's NLU pipeline.

Placed after the intent classifier and before the FallbackClassifier. Every message is screened
with the shared rules (``rasa_addons/safety/rules/``) and, where they find nothing, with the
semantic layer (``rasa_addons/safety/semantic.py``: closeness to the team's crisis exemplars in
six languages and to this model's own training examples). Every parse gets
``"safety": {"tier", "kind", "distress"}``.

- *certain* (the rules only): intent `crisis` with confidence 1.0, so a crisis never falls back
  and always gets its answer first.
- *possible* (the rules' gentle tier or the semantic layer): the topic keeps its intent (its
  answer gets the gentle 113 line); a message without a topic of its own (a greeting, "ja", an
  emotion, an out-of-scope guess, a ranking that would fall back) gets the intent
  `crisis_gentle`, answered with a gentle offer of a person and 113.
- The classifier's `crisis` alone decides nothing: the next intent takes its place. (It used to
  raise a message to *possible*; measured on real words that gave the gentle line to 5.7 % of
  calm messages and found no crisis the rules and the semantic layer missed: docs/safety.md.)

Trained: at `rasa train` it keeps the training examples (text and intent) as anchors of the
semantic layer; the vectors are computed when the model loads.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.money_topics import MONEY_TOPICS
from rasa_addons.safety.engine import (
    CERTAIN,
    CRISIS_INTENT,
    NONE,
    POSSIBLE,
    Assessment,
    assess,
    combine,
)

logger = logging.getLogger(__name__)
SAFETY_KEY = "safety"
GENTLE_INTENT = "crisis_gentle"
FILE = "anchors.json"
# the semantic layer's exemplar vectors and what they were made from (semantic.fingerprint)
VECTORS = "exemplar_vectors.npy"
VECTORS_OF = "exemplar_vectors.sha256"
# what training stores (a new value trains the component again on a cached model)
STORED = "anchors and exemplar vectors, 1"
# Intents whose own answer comes first when the tier is *possible* (the gentle line follows the
# topic answer, a person is offered anyway, or the resident is choosing something).
KEEP_INTENTS = (
    *MONEY_TOPICS,
    "privacy_trust",
    "ask_human",
    "find_local_help",
    "inform_location",
    "choose_counsellor",
    "choose_peer",
    "cancel_handover",
    "more_options",
    "something_else",
)


def _ranking(message: Message) -> list[dict[str, Any]]:
    ranking = list(message.get(INTENT_RANKING_KEY) or [])
    if not ranking and message.get(INTENT):
        ranking = [dict(message.get(INTENT))]
    return ranking


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class CrisisGuard(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """Screens every message; forces intent `crisis` when the safety layer is certain."""

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        anchors: list[tuple[str, str]] | None = None,
        stored: tuple[str, Any] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.anchors = anchors or []
        self.semantic: Any = None
        if self.config["semantic"] and anchors is not None:
            self.semantic = self._build_semantic(stored)
            if self.semantic is not None:
                self.semantic.prepare()  # at Rasa's start, not at a resident's first sentence

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Options; the thresholds of the semantic layer are measured in docs/safety.md."""
        from rasa_addons.safety.semantic import GENTLE, MARGIN

        return {
            "semantic": True,  # the semantic layer beside the rules
            "semantic_gentle": GENTLE,
            "semantic_margin": MARGIN,
            "classifier_possible": None,  # e.g. 0.5: the classifier alone raises to possible
            "fallback_threshold": 0.3,  # below it a topic would fall back: the gentle answer
            "keep_intents": list(KEEP_INTENTS),
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisGuard:
        """An untrained component (rules only until it is trained)."""
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Rasa trains this component again (and so stores the exemplar vectors again) when an
        exemplar file or what training stores changes, not only when the NLU data does."""
        import hashlib

        from rasa_addons.safety.semantic import EXEMPLARS_DIR

        digest = hashlib.sha256(STORED.encode())
        for path in sorted(EXEMPLARS_DIR.glob("*.yml")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def _build_semantic(self, stored: tuple[str, Any] | None = None) -> Any:
        """The semantic layer on the exemplars and the anchors; ``stored`` (fingerprint, vectors)
        from training saves encoding them all again at every start when they are still the same
        texts (an exemplar file changed since: made again)."""
        try:
            from rasa_addons.safety.semantic import (
                build,
                fingerprint,
                load_exemplars,
                with_training_examples,
            )

            exemplars = with_training_examples(load_exemplars(), self.anchors)
            vectors = stored[1] if stored and stored[0] == fingerprint(exemplars) else None
            return build(
                exemplars, self.config["semantic_gentle"], self.config["semantic_margin"], vectors
            )
        except (ImportError, OSError, ValueError):
            logger.exception("safety.semantic_unavailable")  # the rules still screen
            return None

    def train(self, training_data: TrainingData) -> Resource:
        """Keep the training examples (text, intent) as anchors of the semantic layer."""
        anchors = sorted(
            {
                (str(m.get(TEXT)), str(m.get(INTENT)))
                for m in training_data.intent_examples
                if m.get(TEXT) and m.get(INTENT)
            }
        )
        with self._model_storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(json.dumps(anchors), encoding="utf-8")
            if self.config["semantic"]:
                self._store_vectors(anchors, directory)
        return self._resource

    def _store_vectors(self, anchors: list[tuple[str, str]], directory: Any) -> None:
        """The semantic layer's exemplar vectors with their fingerprint, made once here instead
        of at every Rasa start (about a third of a start's CPU: docs/safety.md)."""
        import numpy as np

        from rasa_addons.safety.semantic import fingerprint

        self.anchors = anchors
        layer = self._build_semantic()
        if layer is None:
            return
        np.save(directory / VECTORS, np.asarray(layer.vectors))
        (directory / VECTORS_OF).write_text(fingerprint(layer.exemplars), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CrisisGuard:
        """Load the anchors and build the semantic layer (the rules alone without them)."""
        stored: tuple[str, Any] | None = None
        try:
            with model_storage.read_from(resource) as directory:
                rows = json.loads((directory / FILE).read_text(encoding="utf-8"))
                stored = _stored_vectors(directory)
            anchors = [(str(t), str(i)) for t, i in rows]
        except (ValueError, OSError):
            anchors = []
        return cls(config, model_storage, resource, anchors, stored)

    def screen(self, texts: list[str], rankings: list[list[tuple[str, float]]]) -> list[Assessment]:
        """The safety verdict for each text: rules, then the semantic layer where they are silent."""
        found = [assess(t) for t in texts]
        if self.semantic is not None:
            silent = [i for i, f in enumerate(found) if f.tier == NONE]
            for i, verdict in zip(
                silent, self.semantic.assess([texts[i] for i in silent]), strict=True
            ):
                if verdict.tier != NONE:
                    found[i] = verdict
        threshold = self.config["classifier_possible"]
        if threshold is not None:
            found = [
                combine(f, r) if (r and r[0][0] == CRISIS_INTENT and r[0][1] >= threshold) else f
                for f, r in zip(found, rankings, strict=True)
            ]
        return found

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the screening to every message and set the intent it implies."""
        texts = [str(m.get(TEXT) or "") for m in messages]
        rankings = [_ranking(m) for m in messages]
        pairs = [
            [(str(r.get("name")), float(r.get("confidence") or 0.0)) for r in ranking]
            for ranking in rankings
        ]
        keep = set(self.config["keep_intents"])
        for message, text, ranking, found in zip(
            messages, texts, rankings, self.screen(texts, pairs), strict=True
        ):
            message.set(SAFETY_KEY, found.as_dict(), add_to_output=True)
            if text.lstrip().startswith("/"):
                continue  # a button payload: its intent is the payload's
            others = _without_crisis(ranking)
            top: dict[str, Any] = (
                dict(others[0]) if others else {"name": "nlu_fallback", "confidence": 0.0}
            )
            if found.tier == CERTAIN:
                crisis = {"name": CRISIS_INTENT, "confidence": 1.0}
                lowered = [
                    {**r, "confidence": min(float(r.get("confidence") or 0.0), 0.5) * 0.5}
                    for r in others
                ]
                message.set(INTENT, crisis, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [crisis, *lowered], add_to_output=True)
            elif found.tier == POSSIBLE and (
                top.get("name") not in keep
                or float(top.get("confidence") or 0.0) < self.config["fallback_threshold"]
            ):
                gentle = {"name": GENTLE_INTENT, "confidence": 1.0}
                message.set(INTENT, gentle, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [gentle, *others], add_to_output=True)
            elif (message.get(INTENT) or {}).get("name") in (CRISIS_INTENT, GENTLE_INTENT):
                # the classifier said crisis, the safety layer is not certain: the next intent
                # takes its place (or the message falls back after us)
                message.set(INTENT, top, add_to_output=True)
                message.set(INTENT_RANKING_KEY, others, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data


def _stored_vectors(directory: Any) -> tuple[str, Any] | None:
    """The exemplar vectors training stored, with their fingerprint; None when there are none
    (a model trained before they were stored) or they cannot be read: then they are made again,
    and the anchors stay."""
    import numpy as np

    try:
        return (
            (directory / VECTORS_OF).read_text(encoding="utf-8"),
            np.load(directory / VECTORS),
        )
    except (ValueError, OSError):
        return None


def _without_crisis(ranking: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ranking without the crisis intents, its confidences renormalised to sum as before.

    When the classifier gives "crisis" most of the probability ("ik ga er nog dood aan, die
    huurachterstand"), the topic behind it keeps a small raw share; what matters once the safety
    layer says the message is not a certain crisis is the topic's share of the rest.
    """
    crisis = sum(
        float(r.get("confidence") or 0.0)
        for r in ranking
        if r.get("name") in (CRISIS_INTENT, GENTLE_INTENT)
    )
    rest = 1.0 - crisis
    others = [dict(r) for r in ranking if r.get("name") not in (CRISIS_INTENT, GENTLE_INTENT)]
    if crisis <= 0.0 or rest <= 1e-6:
        return others
    for r in others:
        r["confidence"] = min(1.0, float(r.get("confidence") or 0.0) / rest)
    return others
