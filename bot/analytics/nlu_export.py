"""`geldhulp nlu export`: reviewed, redacted questions as a Rasa NLU file for a person to read.

Only questions an analyst labelled in the dashboard are written, each redacted again on the way
out (defence in depth; `bot.privacy.redact.redact`), with placeholders such as ``[naam]``
written as ``<naam>`` so that Rasa never reads them as entity markup. An example is left out
when it still looks personal after redaction (an e-mail address, a long number, an IBAN), when
the training data already has it, when two reviews gave it different intents, or when nothing
is left but placeholders. The file goes to ``nlu_data/reviewed/`` with the date and the count
per intent in its header; a person reads it and commits it, and `make train` then includes it.
Nothing is added to the training data without that review.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from bot.analytics.review import EXPORT_INTENTS, ReviewError, reviewed_for_export
from bot.analytics.tables import UnansweredQuestion
from bot.storage.base import utcnow
from bot.yamlfile import parse_yaml, read_yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "nlu_data" / "reviewed"
DEFAULT_DATA = ROOT / "nlu_data"
DEFAULT_DOMAIN = ROOT / "domain"
MAX_CHARS = 500  # a longer message is cut at a word boundary (Rasa handles long text badly)

_PLACEHOLDER = re.compile(r"\[([^\[\]\s]{1,30})\]|<([^<>\s]{1,30})>")  # [naam], [PERSOON-1]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NORMAL = re.compile(r"[^\w<>]+", re.UNICODE)
# what must never be left after redaction; a match means the example is left out
LEAKS = (
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"),  # e-mail address
    re.compile(r"\d(?:[\s./-]?\d){6,}"),  # seven or more digits: phone, BSN, account, case number
    re.compile(r"\b[a-z]{2}\d{2}\s?[a-z]{4}\s?\d{4}", re.IGNORECASE),  # IBAN
)


@dataclass
class ExportResult:
    """What one export did: examples per intent, and how many were left out and why."""

    examples: dict[str, list[str]] = field(default_factory=dict)
    exported_ids: list[int] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    path: Path | None = None

    @property
    def total(self) -> int:
        """How many examples the file holds."""
        return sum(len(v) for v in self.examples.values())


def training_text(redacted: str) -> str:
    """One line of training data from redacted text: placeholders as ``<naam>``, no brackets,
    no control characters or line breaks, at most MAX_CHARS characters."""
    text = _PLACEHOLDER.sub(lambda m: f"<{(m.group(1) or m.group(2)).strip().lower()}>", redacted)
    text = text.replace("[", "(").replace("]", ")")  # never Rasa entity markup
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0]
    return text.strip()


def normalised(text: str) -> str:
    """The form in which two examples count as the same (case, punctuation, spacing ignored)."""
    return " ".join(_NORMAL.sub(" ", text.lower()).split())


def looks_personal(text: str) -> bool:
    """True when redaction seems to have missed something (checked after redaction)."""
    return any(pattern.search(text) for pattern in LEAKS)


def _only_placeholders(text: str) -> bool:
    return not re.search(r"[^\W\d_]{2,}", _PLACEHOLDER.sub(" ", text))


def existing_examples(data_dir: Path) -> dict[str, set[str]]:
    """Every example already in the training data under ``data_dir``: normalised -> intents."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in sorted(data_dir.rglob("*.yml")) + sorted(data_dir.rglob("*.yaml")):
        try:
            data = read_yaml(path) or {}
        except yaml.YAMLError:
            continue
        for item in (data.get("nlu") if isinstance(data, dict) else None) or []:
            examples = item.get("examples") if isinstance(item, dict) else None
            if not isinstance(examples, str):
                continue
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found[normalised(_strip_entities(line[2:]))].add(str(item.get("intent")))
    return found


def _strip_entities(text: str) -> str:
    """Rasa's ``[text](entity)`` markup reduced to its text."""
    return re.sub(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})", r"\1", text)


def domain_intents(domain_dir: Path) -> set[str]:
    """Every intent the domain declares."""
    intents: set[str] = set()
    for path in sorted(domain_dir.rglob("*.yml")):
        data = read_yaml(path) or {}
        for intent in data.get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


def build(
    questions: Sequence[UnansweredQuestion],
    *,
    known: dict[str, set[str]],
    intents: set[str],
) -> ExportResult:
    """Choose and clean the examples (no I/O). ``known``: existing examples -> their intents.

    An example the training data has with the same intent is done (stamped as exported); with
    another intent it is left out and reported every time, until a person settles it (a
    relabel after an earlier export: edit the earlier file).
    """
    from bot.privacy.redact import redact

    missing = sorted({q.review_label or "" for q in questions} - intents)
    if missing:
        raise ReviewError(f"labels without an intent in the domain: {', '.join(missing)}")
    labels: dict[str, set[str]] = defaultdict(set)
    texts: dict[str, str] = {}
    ids: dict[str, list[int]] = defaultdict(list)
    result = ExportResult()
    for q in questions:
        label = q.review_label
        if label not in EXPORT_INTENTS:
            result.skipped["label not exported"] += 1
            continue
        text = training_text(redact(q.text_redacted))  # redacted when stored, and again now
        if looks_personal(text):
            result.skipped["still looks personal"] += 1
            continue
        if _only_placeholders(text):
            result.skipped["nothing left after redaction"] += 1
            continue
        key = normalised(text)
        if key in known:
            if known[key] == {label}:
                result.skipped["already in the training data"] += 1
                result.exported_ids.append(q.id)  # done: nothing to add for it
            else:
                result.skipped["in the training data with another intent"] += 1
            continue
        labels[key].add(label)
        texts.setdefault(key, text)
        ids[key].append(q.id)
    for key, given in labels.items():
        if len(given) > 1:
            result.skipped["reviews disagree"] += len(ids[key])
            continue
        (label,) = given
        result.examples.setdefault(label, []).append(texts[key])
        result.exported_ids.extend(ids[key])
        result.skipped["same example again"] += len(ids[key]) - 1
    result.skipped = Counter({k: v for k, v in result.skipped.items() if v})
    result.examples = {k: sorted(v, key=str.lower) for k, v in sorted(result.examples.items())}
    return result


def render(result: ExportResult, day: date) -> str:
    """The NLU file: a header for the person who reads it, then one block per intent."""
    counts = ", ".join(f"{intent} {len(ex)}" for intent, ex in result.examples.items())
    skipped = ", ".join(f"{why} {n}" for why, n in sorted(result.skipped.items())) or "none"
    lines = [
        f"# Reviewed questions of residents, exported by `geldhulp nlu export` on {day.isoformat()}.",
        "# Each example was labelled by an analyst of the municipality in the dashboard and",
        "# redacted twice (when stored and again on export); <naam>, <telefoon> … mark removed data.",
        "# Read every line before you commit this file: delete any line that still holds something",
        "# personal or that you would not want the assistant to learn from.",
        f"# Examples per intent: {counts} (total {result.total}).",
        f"# Left out: {skipped}.",
        'version: "3.1"',
        "nlu:",
    ]
    for intent, examples in result.examples.items():
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {example}" for example in examples)
    return "\n".join(lines) + "\n"


def _target(out_dir: Path, day: date) -> Path:
    path = out_dir / f"reviewed-{day.isoformat()}.yml"
    n = 2
    while path.exists():
        path = out_dir / f"reviewed-{day.isoformat()}-{n}.yml"
        n += 1
    return path


def write(result: ExportResult, out_dir: Path, day: date) -> Path:
    """Write the file (never over an earlier one) and check that it reads back the same."""
    text = render(result, day)
    parsed = parse_yaml(text)
    back = {
        item["intent"]: [line[2:] for line in item["examples"].splitlines()]
        for item in parsed["nlu"]
    }
    if back != result.examples:
        raise ReviewError("the export does not read back as written")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = _target(out_dir, day)
    path.write_text(text, encoding="utf-8")
    return path


async def export(
    session: AsyncSession,
    *,
    out_dir: Path = DEFAULT_OUT,
    data_dir: Path = DEFAULT_DATA,
    domain_dir: Path = DEFAULT_DOMAIN,
    codes: Sequence[str] | None = None,
    include_exported: bool = False,
    dry_run: bool = False,
    day: date | None = None,
) -> ExportResult:
    """Export the reviewed questions of ``codes`` (all municipalities when None).

    Stamps ``exported_at`` on the questions it wrote (or found already present) and commits,
    unless ``dry_run``. Writes no file when there is nothing to export.
    """
    questions = await reviewed_for_export(session, codes, include_exported=include_exported)
    result = build(questions, known=existing_examples(data_dir), intents=domain_intents(domain_dir))
    if dry_run:
        return result
    if result.total:
        result.path = write(result, out_dir, day or utcnow().date())
    if result.exported_ids:
        now = utcnow()
        for q in questions:
            if q.id in set(result.exported_ids):
                q.exported_at = now
        await session.commit()
    return result


def summary(result: ExportResult) -> Iterable[str]:
    """Lines for the terminal: counts only, never a question's text."""
    if result.path is not None:
        yield f"wrote {result.total} examples to {result.path}"
    elif result.total:
        yield f"would write {result.total} examples (dry run)"
    else:
        yield "nothing new to export"
    for intent, examples in result.examples.items():
        yield f"  {intent}: {len(examples)}"
    for why, n in sorted(result.skipped.items()):
        yield f"  left out, {why}: {n}"
    if result.path is not None:
        yield "read the file, remove what should not be learnt, then commit it and run `make train`"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register `nlu export`."""
    sub = parser.add_subparsers(dest="nlu_command", required=True)
    ex = sub.add_parser("export", help="write reviewed questions as a Rasa NLU file")
    ex.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder (nlu_data/reviewed)")
    ex.add_argument("--data", type=Path, default=DEFAULT_DATA, help="training data (duplicates)")
    ex.add_argument("--domain", type=Path, default=DEFAULT_DOMAIN, help="domain folder (intents)")
    ex.add_argument(
        "--gemeente", action="append", default=None, help="only this municipality (repeatable)"
    )
    ex.add_argument("--all", action="store_true", help="also questions exported before")
    ex.add_argument("--dry-run", action="store_true", help="count only; write and stamp nothing")
    ex.add_argument("--url", default=None, help="database URL (default: GELDHULP_DATABASE_URL)")


def run(args: argparse.Namespace) -> int:
    """Run the export and print what it did."""
    from bot.settings import load_settings
    from bot.storage.db import open_database

    url = args.url or load_settings().database_url
    codes = [c.strip().upper() for c in args.gemeente] if args.gemeente else None

    async def main() -> ExportResult:
        async with open_database(url) as (_engine, factory), factory() as session:
            return await export(
                session,
                out_dir=args.out,
                data_dir=args.data,
                domain_dir=args.domain,
                codes=codes,
                include_exported=args.all,
                dry_run=args.dry_run,
            )

    try:
        result = asyncio.run(main())
    except ReviewError as exc:
        print(f"export refused: {exc}", file=sys.stderr)
        return 2
    for line in summary(result):
        print(line)
    return 0
