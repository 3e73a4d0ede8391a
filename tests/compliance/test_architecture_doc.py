"""docs/architecture.md stays true: every file it names exists, the table of the use-case core
lists every module of `bot/conversations/`, and every part it draws has an allowed-arrows
contract in `pyproject.toml`."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
LATER = ("bot/letters/", "bot/media/", "bot/plan/")  # parts that arrive later


def test_every_named_file_exists() -> None:
    named = set(re.findall(r"`((?:bot|tests|harness|scripts|actions|rasa_addons)/[\w/.]*\w)`", DOC))
    assert len(named) > 20
    missing = [n for n in sorted(named) if not n.startswith(LATER) and not (ROOT / n).exists()]
    assert not missing, missing


def test_the_core_table_lists_every_module() -> None:
    section = DOC.split("## The use-case core", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`(\w+)\.py`", section))
    modules = {p.stem for p in (ROOT / "bot" / "conversations").glob("*.py")} - {"__init__"}
    assert modules - listed == set(), "not in docs/architecture.md"
    assert listed - modules == set(), "in docs/architecture.md but gone"


def test_every_drawn_part_has_its_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    names = {c["name"].split(" uses only ")[0] for c in contracts if " uses only " in c["name"]}
    drawing = DOC.split("```mermaid", 1)[1].split("```", 1)[0]
    drawn = set(re.findall(r"^\s+(\w+)\[", drawing, re.MULTILINE))
    assert drawn == names, drawn ^ names
    assert any(c["type"] == "layers" for c in contracts)
