"""Generate nlu_data/lookups/municipality.yml from the CBS municipality list (re-runnable).

Names are written as CBS spells them, plus lowercase forms, forms without the province suffix
("Hengelo (O.)" -> "Hengelo"), without accents or hyphens ("sudwest fryslan"), common aliases and the names of municipalities merged 2021-2024.
Typos are NOT listed: the resolver in bot/directory matches them fuzzily.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALIASES = [
    "Den Haag",
    "den haag",
    "The Hague",
    "Dordt",
    "s-Gravenhage",
    "Den Bosch",
    "den bosch",
    "s-Hertogenbosch",
    "Hengelo",
    "Beek",
    "Laren",
    "Middelburg",
    "Rijswijk",
    "Stein",
    "Bergen",
    "Sudwest Friesland",
    "Dantumadeel",
    "Tietjerksteradeel",
]


def plain_forms(name: str) -> list[str]:
    """How people type a name: as written, without the province suffix, accents or hyphens."""
    plain = re.sub(r"\s*\([^)]*\)$", "", name)
    ascii_ = "".join(
        c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c)
    )
    spaced = ascii_.replace("-", " ")
    return [name, plain, plain.lower(), ascii_, ascii_.lower(), spaced.lower()]


def find_data_dir() -> Path:
    """The reference data: in the repo (bot/directory/data) or in ../shared/data."""
    for candidate in (ROOT / "bot" / "directory" / "data", ROOT.parent / "shared" / "data"):
        if (candidate / "municipalities.csv").exists():
            return candidate
    sys.exit("municipalities.csv not found")


def main() -> None:
    data = find_data_dir()
    names: list[str] = []
    with (data / "municipalities.csv").open(encoding="utf-8") as f:
        names += [row["gemeentenaam"] for row in csv.DictReader(f)]
    with (data / "municipality_changes_2021_2024.csv").open(encoding="utf-8") as f:
        names += [row["oude_gemeentenaam"] for row in csv.DictReader(f)]
    values: list[str] = []
    for name in names + ALIASES:
        for v in plain_forms(name):
            if v not in values:
                values.append(v)
    out = ROOT / "nlu_data" / "lookups" / "municipality.yml"
    lines = ['version: "3.1"', "nlu:", "- lookup: municipality", "  examples: |"]
    lines += [f"    - {v}" for v in values]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(values)} lookup values from {len(names)} names -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
