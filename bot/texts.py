"""Resident-facing texts, read from the Rasa domain responses (the one place they live).

The gateway, console and actions never hard-code Dutch texts. They name a response
(``utter_…``) and fill its ``{placeholders}``. Municipalities review and change all texts in
``domain/``; this module only reads them.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.yamlfile import read_yaml

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"


class UnknownText(KeyError):
    """No response with that name in the domain."""


@dataclass(frozen=True)
class Text:
    """One response variant: text and optional buttons (title, payload)."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    custom: Mapping[str, Any] | None = None


class _Formatter(string.Formatter):
    def get_value(self, key: int | str, args: Any, kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, str) and key not in kwargs:
            raise KeyError(f"missing value for placeholder {{{key}}}")
        return super().get_value(key, args, kwargs)


class TextCatalog:
    """All domain responses, loaded once at start-up."""

    def __init__(self, responses: Mapping[str, list[Mapping[str, Any]]]) -> None:
        self._responses = dict(responses)

    @classmethod
    def load(cls, domain_dir: Path = DOMAIN_DIR) -> TextCatalog:
        """Read every ``*.yml`` in the domain folder (or a single domain file)."""
        files = sorted(domain_dir.rglob("*.yml")) if domain_dir.is_dir() else [domain_dir]
        responses: dict[str, list[Mapping[str, Any]]] = {}
        for path in files:
            data = read_yaml(path) or {}
            responses.update(data.get("responses") or {})
        return cls(responses)

    def names(self) -> list[str]:
        """Every response name."""
        return sorted(self._responses)

    def variants(self, name: str) -> list[Mapping[str, Any]]:
        """The raw variants of a response."""
        try:
            return list(self._responses[name])
        except KeyError:
            raise UnknownText(name) from None

    def render(self, name: str, /, *, channel: str | None = None, **values: Any) -> Text:
        """The first variant of ``name`` (for ``channel`` if one matches), placeholders filled."""
        variants = self.variants(name)
        chosen = next((v for v in variants if channel and v.get("channel") == channel), None)
        chosen = chosen or next((v for v in variants if not v.get("channel")), variants[0])
        fmt = _Formatter()
        text = fmt.format(str(chosen.get("text", "")), **values)
        buttons = tuple(
            (fmt.format(str(b["title"]), **values), str(b["payload"]))
            for b in chosen.get("buttons") or ()
        )
        return Text(text=text, buttons=buttons, custom=chosen.get("custom"))
