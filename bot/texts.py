"""Resident-facing texts, read from the Rasa domain responses (the one place they live).

The gateway, console and actions never hard-code Dutch texts. They name a response
(``utter_…``) and fill its ``{placeholders}``. Municipalities review and change all texts in
``domain/``; this module only reads them.

Languages (issue 17): a response has a variant per language, a condition on the slot
``language`` (the variant without condition is Dutch). ``render(..., language="tr")`` picks the
variant exactly as Rasa 3.6 does (``rasa.core.nlg.generator.ResponseVariationFilter``): a
conditional variant for the channel, else a plain variant for the channel, else a conditional
variant, else a plain one.
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

    def render(
        self,
        name: str,
        /,
        *,
        channel: str | None = None,
        language: str | None = None,
        **values: Any,
    ) -> Text:
        """The variant of ``name`` for ``language`` and ``channel`` (as Rasa picks it, first of
        several), placeholders filled. No language, or an unknown one: Dutch."""
        chosen = pick_variant(self.variants(name), channel=channel, slots={"language": language})
        fmt = _Formatter()
        text = fmt.format(str(chosen.get("text", "")), **values)
        buttons = tuple(
            (fmt.format(str(b["title"]), **values), str(b["payload"]))
            for b in chosen.get("buttons") or ()
        )
        return Text(text=text, buttons=buttons, custom=chosen.get("custom"))


def _matches(variant: Mapping[str, Any], slots: Mapping[str, Any]) -> bool:
    for condition in variant.get("condition") or ():
        have, want = slots.get(condition.get("name")), condition.get("value")
        if isinstance(have, str) and isinstance(want, str):
            if have.casefold() != want.casefold():
                return False
        elif have != want:
            return False
    return True


def pick_variant(
    variants: list[Mapping[str, Any]],
    *,
    channel: str | None = None,
    slots: Mapping[str, Any] | None = None,
) -> Mapping[str, Any]:
    """The first variant Rasa 3.6 would choose among for these slot values and channel."""
    slots = slots or {}
    conditional = [v for v in variants if v.get("condition") and _matches(v, slots)]
    plain = [v for v in variants if not v.get("condition")]
    for group in (
        [v for v in conditional if channel and v.get("channel") == channel],
        [v for v in plain if channel and v.get("channel") == channel],
        [v for v in conditional if not v.get("channel")],
        [v for v in plain if not v.get("channel")],
    ):
        if group:
            return group[0]
    return variants[0]
