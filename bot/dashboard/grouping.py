"""Group unanswered questions that say roughly the same, without downloaded models.

Similarity is the Jaccard index of character 3-gram sets of the normalised text (lower case,
letters and digits only). A question joins the first group whose representative is at least
``threshold`` similar; otherwise it starts a new group. Deterministic for a given order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\w\[\]]+", re.UNICODE)


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of the normalised text (words padded with spaces)."""
    norm = " " + " ".join(_WORD.sub(" ", text.lower()).split()) + " "
    if len(norm) <= n:
        return frozenset({norm})
    return frozenset(norm[i : i + n] for i in range(len(norm) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|A ∩ B| / |A ∪ B| (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class Group:
    """Similar questions; ``representative`` is the first one seen."""

    representative: str
    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def group_questions(items: Sequence[tuple[int, str]], threshold: float = 0.4) -> list[Group]:
    """Group ``(id, text)`` pairs; largest groups first."""
    groups: list[tuple[frozenset[str], Group]] = []
    for item_id, text in items:
        grams = shingles(text)
        for rep, group in groups:
            if jaccard(grams, rep) >= threshold:
                group.ids.append(item_id)
                group.texts.append(text)
                break
        else:
            groups.append((grams, Group(text, [item_id], [text])))
    result = [g for _, g in groups]
    result.sort(key=lambda g: -len(g.ids))
    return result
