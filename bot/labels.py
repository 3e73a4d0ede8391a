"""Dutch labels for staff screens, read from `bot/labels.nl.yml` (the one label file).

Screens never show a code: they show ``labels.label("status.waiting_for_human")``. A missing
key raises, so a test that renders a screen finds it.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.yamlfile import read_yaml

LABEL_FILE = Path(__file__).resolve().parent / "labels.nl.yml"


class UnknownLabel(KeyError):
    """No label with that key."""


class Labels:
    """All staff labels, loaded once at start-up."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._flat: dict[str, str] = {}
        self._walk("", data)

    def _walk(self, prefix: str, data: Mapping[str, Any]) -> None:
        for key, value in data.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                self._walk(f"{name}.", value)
            else:
                self._flat[name] = str(value)

    @classmethod
    def load(cls, path: Path = LABEL_FILE) -> Labels:
        """Read the label file."""
        return cls(read_yaml(path) or {})

    def keys(self) -> list[str]:
        """Every label key."""
        return sorted(self._flat)

    def label(self, key: str, /, **values: Any) -> str:
        """The label for ``key`` with ``{placeholders}`` filled; raises UnknownLabel."""
        try:
            text = self._flat[key]
        except KeyError:
            raise UnknownLabel(key) from None
        return string.Formatter().format(text, **values) if values else text

    def get(self, key: str, default: str | None = None) -> str | None:
        """The label for ``key``, or ``default`` when there is none."""
        return self._flat.get(key, default)
