"""How a municipality is named to residents and in the public page's address (/hulp/<slug>)."""

from __future__ import annotations

import re
import unicodedata

# The name residents use where it differs from the CBS name.
DISPLAY_NAMES = {"GM0518": "Den Haag"}


def display_name(code: str, cbs_name: str) -> str:
    """The name to show: 'Den Haag' for 's-Gravenhage, else the CBS name."""
    return DISPLAY_NAMES.get(code, cbs_name)


def slug(code: str, cbs_name: str) -> str:
    """The page address of a municipality: 'den-haag', 'hengelo-o', 'sudwest-fryslan'."""
    plain = unicodedata.normalize("NFKD", display_name(code, cbs_name))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain.replace("'", "")).strip("-")
