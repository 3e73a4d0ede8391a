"""Checks on the rule files: every example does what it says, and no pattern is dead.

A rule's ``examples.match`` must each get the rule's tier, its ``examples.no_match`` must not.
A pattern (one entry of ``patterns``, ``requires`` or ``unless``) that none of the rule's own
examples exercises is *dead*: nobody can tell what it is for, or whether it still fires after a
change elsewhere. ``python -m rasa_addons.safety.checks`` prints every problem (exit 1 if any);
tests/safety/test_rule_files.py runs the same checks per rule.
"""

from __future__ import annotations

import sys

from rasa_addons.safety.engine import Rule, apply, condition, negated, read_by, rules
from rasa_addons.safety.normalise import lexicon, normalise


def wrong_examples(rule: Rule) -> list[str]:
    """Examples that do not do what they say."""
    problems = []
    for text in rule.match:
        got = apply(rule, read_by(rule, text))
        if got != rule.tier:
            problems.append(f"{rule.name}: must match ({rule.tier}), got {got}: {text!r}")
    for text in rule.no_match:
        if apply(rule, read_by(rule, text)) == rule.tier:
            problems.append(f"{rule.name}: must not match ({rule.tier}): {text!r}")
    return problems


def dead_patterns(rule: Rule) -> list[str]:
    """Patterns of ``rule`` that none of its examples exercises.

    - every ``patterns`` entry and every ``requires`` entry: hit by a ``match`` example that
      gets the rule's tier;
    - every ``unless`` entry: hit by a ``no_match`` example that the patterns also hit;
    - a negation other than ``none``: one ``no_match`` example is negated.
    """
    matching = [p for p in (read_by(rule, t) for t in rule.match) if apply(rule, p) == rule.tier]
    refused = [read_by(rule, t) for t in rule.no_match]
    dead = []
    for source, part in zip(rule.patterns.sources, rule.patterns.parts, strict=True):
        if not any(part.search(text) for text in matching):
            dead.append(f"{rule.name}: pattern no example matches: {source}")
    if rule.requires is not None:
        for source, part in zip(rule.requires.sources, rule.requires.parts, strict=True):
            if not any(part.search(text) for text in matching):
                dead.append(f"{rule.name}: requires no example needs: {source}")
    if rule.unless is not None:
        for source, part in zip(rule.unless.sources, rule.unless.parts, strict=True):
            if not any(part.search(t) and rule.patterns.search(t) for t in refused):
                dead.append(f"{rule.name}: unless no example hits: {source}")
    if rule.negation != "none":
        hits = [(t, rule.patterns.search(t)) for t in refused]
        if not any(m is not None and negated(t, m, rule.negation) for t, m in hits):
            dead.append(f"{rule.name}: negation '{rule.negation}' no example exercises")
    if not rule.match or not rule.no_match:
        dead.append(f"{rule.name}: needs at least one match and one no_match example")
    return dead


def dead_idioms() -> list[str]:
    """Figures of speech in lexicon.yml that none of its examples contains."""
    words = lexicon()
    examples = [normalise(t) for t in words.idiom_examples]
    parts = condition(words.idioms).parts
    return [
        f"idiom no example contains: {source}"
        for source, part in zip(words.idioms, parts, strict=True)
        if not any(part.search(t) for t in examples)
    ]


def dead_past_story() -> list[str]:
    """The past-story markers and now-words (lexicon.yml) without an example, or wrong examples."""
    from rasa_addons.safety.engine import prepared, told_in_the_past

    words = lexicon()
    past = [prepared(t) for t in words.past_examples]
    now = [prepared(t) for t in words.now_examples]
    found = [f"past_story: not read as the past: {t!r}" for t in past if not told_in_the_past(t)]
    found += [
        f"past_story: read as the past despite now: {t!r}" for t in now if told_in_the_past(t)
    ]
    for label, sources, texts in (
        ("marker", words.past_markers, past),
        ("now", words.past_now, now),
        ("resolved", words.past_resolved, past),
    ):
        for source, part in zip(sources, condition(sources).parts, strict=True):
            if not any(part.search(t) for t in texts):
                found.append(f"past_story {label} no example contains: {source}")
    return found


def problems() -> list[str]:
    """Every problem of every rule file."""
    found: list[str] = []
    for rule in rules():
        found += [f"{rule.file}: {p}" for p in wrong_examples(rule) + dead_patterns(rule)]
    return found + [f"lexicon.yml: {p}" for p in dead_idioms() + dead_past_story()]


def main() -> int:
    """Print the problems; 1 when there are any."""
    found = problems()
    for line in found:
        print(line)
    count = sum(len(r.patterns.parts) for r in rules())
    print(f"{len(rules())} rules, {count} patterns, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
