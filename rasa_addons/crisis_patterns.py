"""The old CrisisGuard entry point, kept for callers: `is_crisis` by the shared safety rules.

The rules themselves live in `rasa_addons/safety_rules.py` (standard library only).
"""

from __future__ import annotations

from rasa_addons.safety_rules import CERTAIN, assess, normalise

__all__ = ["is_crisis", "normalise"]


def is_crisis(text: str) -> bool:
    """True when the rules are certain ``text`` is a crisis (the crisis answer comes first)."""
    return assess(text).tier == CERTAIN
