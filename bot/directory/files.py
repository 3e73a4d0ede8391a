"""The human-editable directory file (YAML or CSV): parse and validate, never half-apply.

Every problem is reported with its line, field and what is wrong, in one go, so a municipality
can fix the whole file at once. A file with any problem is rejected whole.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.directory import hours
from bot.directory.rules import PERSONAL, PURPOSES
from bot.topics import TOPIC_INTENTS

FORMAT = "geldhulp-directory/1"
TOPICS = frozenset(TOPIC_INTENTS)
SCOPES = ("national", "regional", "municipality")
FIELDS = (
    "id",
    "name",
    "description",
    "categories",
    "audience",
    "purpose",
    "scope",
    "municipalities",
    "phone",
    "website",
    "chat",
    "address",
    "walk_in",
    "walk_in_place",
    "opening_hours",
    "free",
    "anonymous",
    "verified",
    "example",
    "source",
    "source_date",
    "last_checked",
    "checked_by",
    "expires",
)
LIST_FIELDS = ("categories", "municipalities")
BOOL_FIELDS = ("free", "anonymous", "verified", "example", "walk_in_place")
DATE_FIELDS = ("last_checked", "expires")
MAX_LEN = {
    "id": 80,
    "name": 160,
    "description": 600,
    "audience": 200,
    "phone": 40,
    "website": 300,
    "chat": 300,
    "address": 300,
    "walk_in": 300,
    "source": 500,
    "source_date": 40,
    "purpose": 16,
    "checked_by": 120,
}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,79}$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
CODE_RE = re.compile(r"^GM\d{4}$")
MAX_SENTENCE_WORDS = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"regel {self.line}, veld '{self.field}': {self.message}"


class DirectoryFileError(ValueError):
    """The file has problems; nothing was changed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class ServiceRecord:
    """A validated help service, ready to store."""

    values: dict[str, Any]
    line: int = 0


@dataclass
class DirectoryFile:
    """A parsed file: an optional municipality it belongs to, and its services."""

    municipality: str | None
    services: list[ServiceRecord] = field(default_factory=list)


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (as ``__line__``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# dates stay strings, so "2024-08" and "undated" are treated alike and validated by us
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "ja", "yes", "1", "waar"}:
        return True
    if text in {"false", "nee", "no", "0", "onwaar"}:
        return False
    raise ValueError("schrijf ja of nee (true/false)")


def validate_service(
    raw: dict[str, Any], line: int, *, known_codes: set[str] | None, municipality: str | None
) -> tuple[ServiceRecord | None, list[Problem]]:
    """Check one service; return the clean record or the problems."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def bad(name: str, message: str) -> None:
        problems.append(Problem(line, name, message))

    for name in raw:
        if name not in FIELDS and name != "__line__":
            bad(name, "onbekend veld")
    for name in FIELDS:
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None, []):
            values[name] = [] if name in LIST_FIELDS else None
            continue
        if name in LIST_FIELDS:
            if isinstance(value, str):
                value = [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                bad(name, "verwacht een lijst met tekst")
                continue
        elif name in BOOL_FIELDS:
            try:
                value = _as_bool(value)
            except ValueError as exc:
                bad(name, str(exc))
                continue
        elif name == "opening_hours":
            try:
                value = hours.parse(value) or None
            except hours.HoursError as exc:
                bad(name, str(exc))
                continue
        elif name in DATE_FIELDS:
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                bad(name, f"'{value}' is geen datum; schrijf JJJJ-MM-DD")
                continue
        else:
            value = str(value)
            if name in MAX_LEN and len(value) > MAX_LEN[name]:
                bad(name, f"te lang ({len(value)} tekens, maximaal {MAX_LEN[name]})")
        values[name] = value

    for name in ("id", "name", "description", "scope"):
        if not values.get(name):
            bad(name, "verplicht veld ontbreekt")
    if values.get("id") and not ID_RE.match(values["id"]):
        bad("id", "alleen kleine letters, cijfers, - en _ (2 tot 80 tekens)")
    if values.get("purpose") and values["purpose"] not in PURPOSES:
        bad("purpose", f"kies uit {', '.join(PURPOSES)}")
    if values.get("walk_in") and values.get("walk_in_place") is None:
        values["walk_in_place"] = True  # hours to walk in: a walk-in place (older files)
    if values.get("walk_in_place") and values.get("opening_hours"):
        values["walk_in"] = hours.short(values["opening_hours"])  # the hours, also as text
    if values.get("walk_in_place") is False:
        values["walk_in"] = None
    if (values.get("walk_in") or values.get("walk_in_place")) and not values.get("address"):
        bad("address", "bij een inloop hoort het adres")
    if values.get("scope") and values["scope"] not in SCOPES:
        bad("scope", f"kies uit {', '.join(SCOPES)}")
    if not values.get("categories"):
        bad("categories", "noem minstens één onderwerp")
    for topic in values.get("categories") or []:
        if topic not in TOPICS:
            bad("categories", f"onbekend onderwerp '{topic}'")
    codes = values.get("municipalities") or []
    if values.get("scope") in ("regional", "municipality") and not codes:
        bad("municipalities", "noem de gemeente(n) waar deze hulp werkt")
    if values.get("scope") == "municipality" and len(codes) > 1:
        bad("municipalities", "scope 'municipality' hoort bij precies één gemeente")
    if values.get("scope") == "national" and codes:
        bad("municipalities", "landelijke hulp heeft geen gemeenten")
    for code in codes:
        if not CODE_RE.match(code):
            bad("municipalities", f"'{code}' is geen CBS-code zoals GM0518")
        elif known_codes is not None and code not in known_codes:
            bad("municipalities", f"gemeente '{code}' bestaat niet (CBS 2024)")
    if municipality and values.get("scope") == "national":
        bad("scope", "een gemeente kan geen landelijke hulp aanpassen")
    if municipality and codes and municipality not in codes:
        bad("municipalities", f"dit bestand is van {municipality}; die gemeente ontbreekt hier")
    if values.get("phone"):
        from bot.directory.phones import problem  # phonenumbers: the gateway's environment only

        wrong = problem(values["phone"])
        if wrong:
            bad("phone", wrong)
    for name in ("website", "source"):
        if values.get(name) and not URL_RE.match(values[name]):
            bad(name, "verwacht een webadres dat begint met https://")
    for sentence in _sentences(values.get("description") or ""):
        if len(sentence.split()) > MAX_SENTENCE_WORDS:
            bad(
                "description",
                f"zin te lang (meer dan {MAX_SENTENCE_WORDS} woorden): '{sentence[:60]}…'",
            )
    if values.get("verified") and not values.get("last_checked"):
        bad("last_checked", "gecontroleerde hulp (verified) heeft een controledatum nodig")
    values["purpose"] = values.get("purpose") or PERSONAL
    values["verified"] = bool(values.get("verified"))
    values["example"] = bool(values.get("example"))
    if problems:
        return None, problems
    return ServiceRecord(values, line), []


def _rows_from_yaml(text: str) -> tuple[str | None, list[dict[str, Any]], list[Problem]]:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [], [Problem((mark.line + 1) if mark else 1, "-", f"geen geldige YAML: {exc}")]
    if not isinstance(data, dict) or not isinstance(data.get("services"), list):
        return None, [], [Problem(1, "services", "het bestand heeft een lijst 'services' nodig")]
    problems = []
    if data.get("format") not in (None, FORMAT):
        problems.append(Problem(1, "format", f"onbekend formaat; verwacht {FORMAT}"))
    rows = []
    for item in data["services"]:
        if not isinstance(item, dict):
            problems.append(Problem(1, "services", "elk item is een blok met velden"))
            continue
        rows.append(item)
    muni = data.get("municipality")
    return (str(muni) if muni else None), rows, problems


def _rows_from_csv(text: str) -> tuple[str | None, list[dict[str, Any]], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "id" not in reader.fieldnames:
        return None, [], [Problem(1, "-", "de eerste regel noemt de kolommen, met minstens 'id'")]
    rows = []
    for number, row in enumerate(reader, start=2):
        rows.append({**{k: v for k, v in row.items() if k is not None}, "__line__": number})
    return None, rows, []


def parse_directory_file(
    text: str, *, kind: str, known_codes: set[str] | None = None, municipality: str | None = None
) -> DirectoryFile:
    """Parse and validate a whole file; raise :class:`DirectoryFileError` with every problem."""
    if kind == "yaml":
        file_muni, rows, problems = _rows_from_yaml(text)
    elif kind == "csv":
        file_muni, rows, problems = _rows_from_csv(text)
    else:
        raise ValueError(kind)
    if municipality and file_muni and file_muni != municipality:
        problems.append(
            Problem(1, "municipality", f"dit bestand is van {file_muni}, niet van {municipality}")
        )
    owner = municipality or file_muni
    records: list[ServiceRecord] = []
    seen: dict[str, int] = {}
    for row in rows:
        line = int(row.get("__line__", 1))
        record, row_problems = validate_service(
            row, line, known_codes=known_codes, municipality=owner
        )
        problems += row_problems
        if record:
            sid = record.values["id"]
            if sid in seen:
                problems.append(Problem(line, "id", f"'{sid}' staat ook op regel {seen[sid]}"))
            seen[sid] = line
            records.append(record)
    if problems:
        raise DirectoryFileError(problems)
    return DirectoryFile(owner, records)


def kind_of(path: Path) -> str:
    """'yaml' or 'csv' from the file name."""
    suffix = path.suffix.lower()
    if suffix in (".yml", ".yaml"):
        return "yaml"
    if suffix == ".csv":
        return "csv"
    raise ValueError(f"{path.name}: gebruik een .yaml- of .csv-bestand")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return hours.as_line(value)  # opening hours as one line
    return value


def dump_yaml(municipality: str | None, services: list[dict[str, Any]]) -> str:
    """Write services as the YAML file format (fields in a fixed order, empty ones left out)."""
    items = [{k: _plain(s[k]) for k in FIELDS if s.get(k) not in (None, [], "")} for s in services]
    doc: dict[str, Any] = {"format": FORMAT}
    if municipality:
        doc["municipality"] = municipality
    doc["services"] = items
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def dump_csv(services: list[dict[str, Any]]) -> str:
    """Write services as CSV: one row each, lists joined with ';'."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(FIELDS), lineterminator="\n")
    writer.writeheader()
    for s in services:
        row = {}
        for k in FIELDS:
            v = s.get(k)
            if k in LIST_FIELDS:
                v = ";".join(v or [])
            elif k in BOOL_FIELDS:
                v = "" if v is None else ("true" if v else "false")
            row[k] = "" if v is None else _plain(v)
        writer.writerow(row)
    return out.getvalue()
