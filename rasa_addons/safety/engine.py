"""The safety rules' engine: load the rule files, screen a message, combine with a classifier.

Every rule is data: ``rules/<kind>.yml`` holds the patterns of one crisis kind with their tier,
negation handling, exclusions and the examples that must and must not match (docs/safety.md,
"The rule format"). This module only reads and applies them. Standard library and PyYAML only,
so Rasa's NLU component (Python 3.10) and the gateway (3.11) screen with the very same rules.
Tuned for recall first: a missed crisis can cost a life, a false alarm costs one extra line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rasa_addons.safety.normalise import fold, lexicon, normalise

NONE, POSSIBLE, CERTAIN = "none", "possible", "certain"
TIERS = (NONE, POSSIBLE, CERTAIN)
SUICIDE, LOAN_SHARK, VIOLENCE, FINANCIAL_ABUSE, HOMELESS, NO_FOOD, DISTRESS = (
    "suicide",
    "loan_shark",
    "violence",
    "financial_abuse",
    "homeless",
    "no_food",
    "distress",
)
# When one message shows several kinds, the first in this order decides the answer: the answer
# for suicidal thoughts also names 112; a threatening lender is more specific than "a threat";
# violence at home (112 first) before money taken by a partner or relative. `distress` (short
# pleas, despair without a named crisis) only ever has the gentle tier.
KINDS = (SUICIDE, LOAN_SHARK, VIOLENCE, FINANCIAL_ABUSE, HOMELESS, NO_FOOD, DISTRESS)
CRISIS_INTENT = "crisis"
RULES_DIR = Path(__file__).with_name("rules")
# The rule files in the order their rules are tried (ties keep the first rule's name).
RULE_FILES = (
    "suicide",
    "violence",
    "financial_abuse",
    "loan_shark",
    "homeless",
    "no_food",
    "distress",
)

# The words a rule file uses for a tier: "gentle" is the *possible* tier (the topic answer plus
# the gentle 113 line); Rasa's parse, the gateway and the console call it "possible".
# "distress" is no crisis tier: the message gets no 113 line, but a person is offered (fear of
# eviction without a date, exhaustion with money matters said strongly).
DISTRESS_SIGNAL = "distress"
TIER_WORDS = {"certain": CERTAIN, "gentle": POSSIBLE, "none": NONE, "distress": DISTRESS_SIGNAL}
READS = ("latin", "folded")
# Negation: none = not checked; before = a negation in the three words before the match ("ik
# ben nog niet dakloos"); around = also inside the match ("ik wil niet dood").
NEGATIONS = ("none", "before", "around")

# The classifier (DIET) never makes a message *certain*, alone or with a hint of the rules: its
# crisis confidence is not graded (1.0 for "mijn telefoon is dood" and for "ik hou het zo niet
# vol" alike, measured on tests/safety/data/, see docs/safety.md), so only the rules decide
# *certain*. When it ranks `crisis` first with at least CLASSIFIER_POSSIBLE and the rules found
# nothing, the message gets the *possible* tier: the gentle line, never a missed hint.
CLASSIFIER_POSSIBLE = 0.5

W = r"[a-z0-9]+"
_BUILT_IN = {"W": W, **{f"G{n}": rf"(?:{W} ){{0,{n}}}" for n in range(1, 6)}}
_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_RULE_KEYS = {
    "name",
    "tier",
    "patterns",
    "negation",
    "requires",
    "unless",
    "otherwise",
    "examples",
    "reads",
    "note",
}


class RuleError(ValueError):
    """A rule file that cannot be read as rules."""


@dataclass(frozen=True)
class Assessment:
    """The outcome of screening one message.

    Attributes:
        tier: ``none``, ``possible`` or ``certain``.
        kind: one of ``KINDS`` when known, else None.
        rule: the name of the rule that decided (for tests and analysis; never message text).
    """

    tier: str = NONE
    kind: str | None = None
    rule: str | None = None
    distress: bool = False

    def as_dict(self) -> dict[str, str | bool | None]:
        """The form Rasa's parse carries as ``"safety"``."""
        return {"tier": self.tier, "kind": self.kind, "distress": self.distress}


@dataclass(frozen=True)
class Condition:
    """A list of alternatives from a rule file: each alone, and all joined into one pattern."""

    sources: tuple[str, ...]  # as written, with {FRAGMENTS}
    parts: tuple[re.Pattern[str], ...]
    joined: re.Pattern[str]

    def search(self, text: str) -> re.Match[str] | None:
        """The leftmost match of any alternative."""
        return self.joined.search(text)


@dataclass(frozen=True)
class Rule:
    """One rule of a rule file.

    ``requires`` must also match somewhere in the text (else the rule does not apply); when
    ``unless`` matches the rule gives ``otherwise`` instead of ``tier``; when the match is negated
    (``negation``: ``before`` or ``around`` the match) it gives *possible*. ``reads``: ``latin``
    (the normalised a-z text) or ``folded`` (every script kept: Arabic, Cyrillic, Turkish,
    Polish letters).
    """

    name: str
    kind: str | None
    tier: str
    patterns: Condition
    negation: str = "none"
    requires: Condition | None = None
    unless: Condition | None = None
    otherwise: str = POSSIBLE
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()
    file: str = ""
    reads: str = "latin"


def expand(pattern: str, fragments: Mapping[str, Sequence[str]] | None = None) -> str:
    """``pattern`` with every ``{NAME}`` replaced by its fragment (fragments may nest)."""
    named = lexicon().fragments if fragments is None else fragments

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _BUILT_IN:
            return _BUILT_IN[name]
        if name not in named:
            raise RuleError(f"unknown fragment {{{name}}}")
        return "(?:" + "|".join(named[name]) + ")"

    for _ in range(10):
        filled = _PLACEHOLDER.sub(fill, pattern)
        if filled == pattern:
            return filled
        pattern = filled
    raise RuleError("fragments nest too deep")


def condition(sources: Iterable[str]) -> Condition:
    """Compile a list of alternatives."""
    written = tuple(str(s) for s in sources)
    if not written:
        raise RuleError("an empty list of patterns")
    expanded = [expand(s) for s in written]
    try:
        parts = tuple(re.compile(p) for p in expanded)
        joined = re.compile("|".join(f"(?:{p})" for p in expanded))
    except re.error as error:
        raise RuleError(f"{error}: {written}") from error
    return Condition(written, parts, joined)


def _tier(word: Any, where: str) -> str:
    if word not in TIER_WORDS:
        raise RuleError(f"{where}: tier must be one of {sorted(TIER_WORDS)}, not {word!r}")
    return TIER_WORDS[str(word)]


def _as_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: expected a list of strings")
    return list(value)


def parse_rule(data: Mapping[str, Any], kind: str | None, file: str) -> Rule:
    """One rule from its mapping in a rule file."""
    name = str(data.get("name") or "")
    where = f"{file}: {name or '?'}"
    unknown = set(data) - _RULE_KEYS
    if not name or unknown:
        raise RuleError(f"{where}: a name is required; unknown keys {sorted(unknown)}")
    negation = str(data.get("negation") or "none")
    if negation not in NEGATIONS:
        raise RuleError(f"{where}: negation must be one of {NEGATIONS}")
    examples = data.get("examples") or {}
    if set(examples) - {"match", "no_match"}:
        raise RuleError(f"{where}: examples has only match and no_match")
    requires = _as_list(data.get("requires"), where)
    unless = _as_list(data.get("unless"), where)
    reads = str(data.get("reads") or "latin")
    if reads not in READS:
        raise RuleError(f"{where}: reads must be one of {READS}")
    return Rule(
        name=name,
        kind=kind,
        tier=_tier(data.get("tier"), where),
        patterns=condition(_as_list(data.get("patterns"), where)),
        negation=negation,
        requires=condition(requires) if requires else None,
        unless=condition(unless) if unless else None,
        otherwise=_tier(data.get("otherwise", "gentle"), where),
        match=tuple(_as_list(examples.get("match"), where)),
        no_match=tuple(_as_list(examples.get("no_match"), where)),
        file=file,
        reads=reads,
    )


def load_file(path: Path) -> tuple[Rule, ...]:
    """The rules of one rule file (``kind``, ``rules``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    kind = data.get("kind")
    if kind is not None and kind not in KINDS:
        raise RuleError(f"{path.name}: unknown kind {kind!r}")
    return tuple(parse_rule(r, kind, path.name) for r in data.get("rules") or [])


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """Every rule, read once on first use (never at import)."""
    loaded: list[Rule] = []
    for name in RULE_FILES:
        loaded.extend(load_file(RULES_DIR / f"{name}.yml"))
    names = [r.name for r in loaded]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise RuleError(f"rule names used twice: {doubles}")
    return tuple(loaded)


@lru_cache(maxsize=1)
def idioms() -> re.Pattern[str]:
    """Figures of speech that only intensify ("ik schrok me dood"), masked before matching."""
    return condition(lexicon().idioms).joined


def prepared(text: str, reads: str = "latin") -> str:
    """The text as the rules read it: normalised and idioms masked, or folded (every script)."""
    if reads == "folded":
        return fold(text)
    return idioms().sub(" idiom ", normalise(text))


def read_by(rule: Rule, text: str) -> str:
    """``text`` as ``rule`` reads it."""
    return prepared(text, rule.reads)


@lru_cache(maxsize=1)
def past_story() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """A story told in the past: its markers, the words of now, the endings that are no "now"
    ("nu gaat het beter"), and the tier each lowered kind gets (lexicon.yml ``past_story``)."""
    words = lexicon()
    lowers = {kind: _tier(tier, "lexicon.yml past_story") for kind, tier in words.past_lowers}
    unknown = set(lowers) - set(KINDS)
    if unknown or not words.past_markers or not words.past_now or not words.past_resolved:
        raise RuleError(f"lexicon.yml past_story: markers, now, resolved, known kinds {unknown}")
    return (
        condition(words.past_markers).joined,
        condition(words.past_now).joined,
        condition(words.past_resolved).joined,
        lowers,
    )


def told_in_the_past(text: str) -> bool:
    """True when the prepared ``text`` tells of a time gone by and says nothing of now."""
    markers, now, resolved, _ = past_story()
    return markers.search(text) is not None and now.search(resolved.sub(" ", text)) is None


def _tokens_before(text: str, start: int, count: int) -> list[str]:
    """Up to ``count`` words before ``start``, within the same clause."""
    clause = text[:start].rsplit(" . ", 1)[-1]
    return clause.split()[-count:]


_NEGATIONS = frozenset({"niet", "geen", "nooit", "not", "never", "no", "dont", "nee", "niks"})
_NEGATION_BREAKERS = frozenset({"dan", "behalve", "maar", "alleen", "want"})


def negated(text: str, match: re.Match[str], mode: str) -> bool:
    """True when a negation word stands before (or inside) the match ("ik wil niet dood")."""
    window = _tokens_before(text, match.start(), 3)
    if mode == "around":
        window += match.group(0).split()
    for i, word in enumerate(window):
        if word in _NEGATIONS:
            rest = window[i + 1 :]
            if rest[:1] == ["meer"] and word == "niet" and "meer" in match.group(0):
                continue  # "niet meer" is part of the crisis phrase ("wil niet meer leven")
            if not _NEGATION_BREAKERS.intersection(rest):
                return True
    return False


def apply(rule: Rule, text: str) -> str:
    """The tier ``rule`` gives the prepared ``text`` (``none`` when it does not apply)."""
    match = rule.patterns.search(text)
    if match is None:
        return NONE
    if rule.requires is not None and rule.requires.search(text) is None:
        return NONE
    if rule.unless is not None and rule.unless.search(text):
        return rule.otherwise
    if rule.negation != "none" and negated(text, match, rule.negation):
        return POSSIBLE
    return rule.tier


def rank(tier: str, kind: str | None) -> tuple[int, int]:
    """Tier first, then the kind's order (an unknown kind counts least)."""
    order = KINDS.index(kind) if kind in KINDS else len(KINDS)
    return (TIERS.index(tier), -order)


def assess(text: str) -> Assessment:
    """Screen ``text`` with the rules alone. Button payloads ("/...") are never a crisis."""
    if not text or text.lstrip().startswith("/"):
        return Assessment()
    forms = {"latin": prepared(text), "folded": prepared(text, "folded")}
    best = Assessment()
    suicide_cues = 0
    distress = False
    # "vroeger hadden we soms geen eten": a story of before, not a crisis of today
    lowers = past_story()[3] if told_in_the_past(forms["latin"]) else {}
    for rule in rules():
        normalised = forms[rule.reads]
        tier = apply(rule, normalised)
        if tier == CERTAIN and rule.kind in lowers:
            tier = lowers[rule.kind]
        if tier == DISTRESS_SIGNAL:
            distress = True
            continue
        if tier == POSSIBLE and rule.kind == SUICIDE:
            suicide_cues += len({m.group(0) for m in rule.patterns.joined.finditer(normalised)})
        if tier != NONE and rank(tier, rule.kind) > rank(best.tier, best.kind):
            best = Assessment(tier, rule.kind, rule.name)
    if suicide_cues >= 2 and best.tier != CERTAIN:
        # two separate hints of suicidal thoughts in one message ("testament", "afscheid")
        best = Assessment(CERTAIN, SUICIDE, "suicide_cues")
    # any crisis tier is distress too: the person comes with its answer
    return replace(best, distress=distress or best.tier != NONE)


def combine(rules_said: Assessment, ranking: Iterable[tuple[str, float]] = ()) -> Assessment:
    """Add the intent classifier's view to the rules' assessment.

    Args:
        rules_said: what ``assess`` found.
        ranking: the classifier's (intent, confidence) pairs, best first.

    Returns:
        The rules' assessment, raised to *possible* when the classifier ranks ``crisis`` first
        with at least ``CLASSIFIER_POSSIBLE`` and the rules found nothing. The classifier never
        makes a message *certain* and never lowers what the rules found.
    """
    pairs = list(ranking)
    if rules_said.tier != NONE or not pairs:
        return rules_said
    name, confidence = pairs[0]
    if name == CRISIS_INTENT and confidence >= CLASSIFIER_POSSIBLE:
        return Assessment(POSSIBLE, None, "classifier")
    return rules_said


def screen(text: str, ranking: Sequence[tuple[str, float]] = ()) -> Assessment:
    """Rules and classifier together: what both Rasa's component and the gateway use."""
    return combine(assess(text), ranking)


def stronger(a: Assessment, b: Assessment) -> Assessment:
    """The more serious of two assessments (tier first, then the kind's order)."""
    return b if rank(b.tier, b.kind) > rank(a.tier, a.kind) else a
