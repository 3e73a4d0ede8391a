"""Fixtures for the letters tests: the team's letter set and lines from plain text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.letters.layout import Line, lines_from_text
from bot.yamlfile import parse_yaml

DATA = Path(__file__).resolve().parent / "data"


def letters_with_truth() -> list[dict[str, Any]]:
    letters: list[dict[str, Any]] = []
    for path in sorted((DATA / "sources").glob("*.yml")):
        letters.extend(parse_yaml(path.read_text(encoding="utf-8")) or [])
    return letters


def letter_file(letter_id: str) -> Path:
    return next((DATA / "letters").glob(f"{letter_id}.*"))


@pytest.fixture
def lines() -> Any:
    """Lines of a letter from plain text (as a PDF text layer gives them)."""

    def make(text: str) -> list[Line]:
        return lines_from_text(text)

    return make
