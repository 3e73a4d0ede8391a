"""`geldhulp letter read` end to end: real files of the set, the real OCR, one JSON object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.letters.conftest import letter_file, letters_with_truth
from tests.support.cli import run_here

ROOT = Path(__file__).resolve().parents[2]
TRUTH = {letter["id"]: letter["truth"] for letter in letters_with_truth()}
CHECKED = ("kind", "amount_due", "deadline", "urgent", "has_bsn", "event_date", "iban")


def geldhulp(*args: str, own_process: bool = False) -> subprocess.CompletedProcess[str]:
    """`geldhulp letter read <args>`: in a process of its own, or its entry point in this one
    (tests/support/cli.py; the letter readers are loaded once per test process)."""
    argv = ["letter", "read", *args, "--threads", "2"]
    if not own_process:
        ran = run_here(argv)
        return subprocess.CompletedProcess(argv, ran.code, ran.out, ran.err)
    return subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-m", "bot", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(
    "letter_id",
    [
        "dagvaarding_huur_ontruiming",  # photo, exploot layout, a table of costs
        "toeslag_zorgtoeslag_bsn",  # photo with a BSN
        "afsluiting_energie_pdf",  # PDF with a text layer
        "bijstand_herinnering_scan",  # scanned PDF
    ],
)
def test_read_json(letter_id: str) -> None:
    # a letter with a BSN is read by a real process: its whole output (logging included) is
    # checked for the number
    has_bsn = TRUTH[letter_id]["has_bsn"]
    done = geldhulp(str(letter_file(letter_id)), "--json", own_process=has_bsn)
    assert done.returncode == 0, done.stderr[-2000:]
    [line] = done.stdout.strip().splitlines()  # exactly one JSON object on stdout
    reading = json.loads(line)
    truth = TRUTH[letter_id]
    assert {key: reading[key] for key in CHECKED} == {key: truth[key] for key in CHECKED}
    assert 0.0 <= reading["confidence"] <= 1.0
    if truth["has_bsn"]:
        assert "421840110" not in done.stdout + done.stderr


def test_read_explains_in_b1_and_asks() -> None:
    done = geldhulp(str(letter_file("aanmaning_telecom_pdf")))
    assert done.returncode == 0, done.stderr[-2000:]
    for part in ("Van wie:", "Wat staat erin:", "Wat kun je doen:", "Voor wanneer:", "Klopt dit?"):
        assert part in done.stdout
    assert "€ 84,50" in done.stdout and "23 september 2025" in done.stdout


def test_read_refuses_a_hostile_file_with_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "brief.jpg"
    fake.write_bytes(b"\x7fELF" + b"\x00" * 1000)
    done = geldhulp(str(fake), "--json")
    assert done.returncode == 2
    assert json.loads(done.stdout) == {
        "error": "unsupported",
        "message": "not a JPEG, PNG, WebP or PDF",
    }
