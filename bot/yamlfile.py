"""Reading our YAML files (domain texts, labels, directory data) with libyaml when it is there.

PyYAML's pure-Python parser needs about ten times as long; every app start reads the domain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """The data of a YAML document (safe: plain types only)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader, the C one where built


def read_yaml(path: Path) -> Any:
    """The data of a UTF-8 YAML file."""
    return parse_yaml(path.read_text(encoding="utf-8"))
