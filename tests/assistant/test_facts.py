"""No invented phone numbers: every number shown is in the sourced reference data."""

from __future__ import annotations

import re
from pathlib import Path

from bot.yamlfile import parse_yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bot" / "directory" / "data"
PHONE = re.compile(r"(?<![\d-])(?:0\d{2,3}-\d{4,7}|11[23]|14\s?0\d{2,3})(?![\d-])")


def sourced_numbers() -> set[str]:
    text = (DATA / "national_help.yaml").read_text(encoding="utf-8")
    text += (DATA / "local_examples.yaml").read_text(encoding="utf-8")
    # the directory's own entries count only where they name their source and its date
    services = parse_yaml((DATA / "services.yml").read_text(encoding="utf-8"))["services"]
    for entry in services:
        if entry.get("source") and entry.get("source_date"):
            text += (
                "\n" + str(entry.get("phone") or "") + "\n" + str(entry.get("description") or "")
            )
    # and the tables of sources of the safety layer and of the knowledge base: a row names the
    # fact and where it was read
    for doc, heading in (
        ("safety.md", "## Numbers and facts: sources"),
        ("knowledge.md", "## Phone numbers: sources"),
    ):
        page = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        table = page.split(heading, 1)[1].split("\n## ", 1)[0]
        for row in table.splitlines():
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            if len(cells) == 3 and cells[2] and not set(cells[2]) <= {"-"}:
                text += "\n" + cells[0]
    return set(PHONE.findall(text)) | {"112"}  # 112 is the European emergency number


def domain_text() -> str:
    parts = []
    for path in sorted((ROOT / "domain").rglob("*.yml")):
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        for variants in (data.get("responses") or {}).values():
            parts += [v.get("text", "") for v in variants]
    return "\n".join(parts)


def test_every_phone_number_in_a_response_is_sourced() -> None:
    numbers = set(PHONE.findall(domain_text()))
    assert numbers, "expected some phone numbers (113, Geldfit)"
    assert numbers <= sourced_numbers(), f"unsourced numbers: {numbers - sourced_numbers()}"


def test_crisis_response_has_every_route() -> None:
    data = parse_yaml((ROOT / "domain" / "safety.yml").read_text(encoding="utf-8"))
    text = data["responses"]["utter_crisis"][0]["text"]
    for needed in ("113", "0800-0113", "113.nl", "112"):
        assert needed in text
    # 113 comes first: the help before anything else
    assert text.index("113") < text.index("112")
