"""The safety layer's public face: is a message a crisis, how sure are we, and which kind is it.

The rules are data (``rasa_addons/safety/rules/<kind>.yml``), read and applied by
``rasa_addons/safety/engine.py``; this module keeps the names the gateway
(``bot/conversations/safety.py``), CrisisGuard and the actions import. Standard library and
PyYAML only, so Rasa (Python 3.10) and the gateway (3.11) screen with the very same rules.
See docs/safety.md.
"""

from __future__ import annotations

from rasa_addons.safety.engine import (
    CERTAIN,
    CLASSIFIER_POSSIBLE,
    CRISIS_INTENT,
    DISTRESS,
    FINANCIAL_ABUSE,
    HOMELESS,
    KINDS,
    LOAN_SHARK,
    NO_FOOD,
    NONE,
    POSSIBLE,
    SUICIDE,
    TIERS,
    VIOLENCE,
    Assessment,
    Rule,
    assess,
    combine,
    rules,
    screen,
    stronger,
)
from rasa_addons.safety.normalise import normalise

__all__ = [
    "CERTAIN",
    "CLASSIFIER_POSSIBLE",
    "CRISIS_INTENT",
    "DISTRESS",
    "FINANCIAL_ABUSE",
    "HOMELESS",
    "KINDS",
    "LOAN_SHARK",
    "NONE",
    "NO_FOOD",
    "POSSIBLE",
    "SUICIDE",
    "TIERS",
    "VIOLENCE",
    "Assessment",
    "Rule",
    "assess",
    "combine",
    "normalise",
    "rules",
    "screen",
    "stronger",
]
