"""SentenceIntentClassifier: the intent by meaning, blended with DIET's ranking.

DIET (config.yml) learns our sentences from their words and character n-grams; it is sure and
often wrong on words nobody on the team wrote. This component, placed right after DIET, fits a
logistic regression over every NLU example's multilingual sentence embedding (``e5``, the
model the knowledge matcher uses, so a message is embedded once per parse) plus character and
word TF-IDF, and sets the intent from ``weight`` × its probabilities + (1 − weight) × DIET's
ranking (renormalised over the intents DIET lists), mixed with a vote of the five training
examples nearest in meaning (``neighbour_weight``; the nearest sentence we wrote counts most).
The FallbackClassifier, the crisis guard and the knowledge matcher then work on the blended
ranking.

Button payloads ("/intent") keep DIET's ranking (Rasa maps them to their intent anyway). The
weights were chosen on the team's register set, with the real-words dev half as the check
(docs/nlu.md, "Meaning blended with DIET" and "The nearest examples' vote").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rasa_addons.knowledge_matcher import DEFAULT_PARAMS, IndexedComponent, _encoder, _register

RANKING_LENGTH = 10

try:  # the component needs Rasa; `blend` below does not (unit tests in the app environment)
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
except ImportError:  # pragma: no cover - app venv without Rasa
    pass


def blend(
    diet_ranking: list[dict[str, Any]],
    meaning: dict[str, float],
    weight: float,
    neighbours: dict[str, float] | None = None,
    neighbour_weight: float = 0.0,
) -> list[dict[str, Any]]:
    """``weight`` × ``meaning`` + (1 − weight) × DIET's ranking renormalised over its intents,
    then mixed with the nearest examples' vote: (1 − ``neighbour_weight``) × that +
    ``neighbour_weight`` × ``neighbours``. Best first (at most ``RANKING_LENGTH``). A fallback
    entry in DIET's ranking is ignored."""
    diet = {
        str(r["name"]): float(r["confidence"])
        for r in diet_ranking
        if r.get("name") and r["name"] != "nlu_fallback"
    }
    total = sum(diet.values()) or 1.0
    votes = neighbours or {}
    names = set(diet) | set(meaning) | set(votes)
    mixed: list[dict[str, Any]] = [
        {
            "name": name,
            "confidence": (1 - neighbour_weight)
            * (weight * meaning.get(name, 0.0) + (1 - weight) * diet.get(name, 0.0) / total)
            + neighbour_weight * votes.get(name, 0.0),
        }
        for name in names
    ]
    mixed.sort(key=lambda r: (-r["confidence"], r["name"]))
    return mixed[:RANKING_LENGTH]


@_register
class SentenceIntentClassifier(IndexedComponent):
    """Blends an intent model over sentence meaning into DIET's ranking."""

    MISSING = "No sentence intent model in the model: DIET's ranking is used alone."

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The sentence model, the blend weight, the nearest examples' vote (how many, how
        sharply the nearest counts, its weight) and the linear model's parameters."""
        return {
            "model": "e5",
            "weight": 0.65,
            "neighbours": 5,
            "neighbour_temperature": 0.01,
            "neighbour_weight": 0.3,
            **DEFAULT_PARAMS,
        }

    def examples(self, training_data: TrainingData) -> list[tuple[str, str, str]]:
        """Every intent example (the label is the intent)."""
        return [
            (str(m.get(TEXT)), str(m.get(INTENT)), str(m.get(INTENT)))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT)
        ]

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
        votes = self.index.neighbours(
            dense, int(self.config["neighbours"]), float(self.config["neighbour_temperature"])
        )
        weight = float(self.config["weight"])
        entries = self.index.entries
        for row, vote, i in zip(probabilities, votes, typed, strict=True):
            message = messages[i]
            ranking = blend(
                list(message.get(INTENT_RANKING_KEY) or []),
                {name: float(p) for name, p in zip(entries, row, strict=True)},
                weight,
                {name: float(v) for name, v in zip(entries, vote, strict=True) if v > 0},
                float(self.config["neighbour_weight"]),
            )
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
