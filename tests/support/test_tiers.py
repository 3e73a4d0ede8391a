"""The tier marks are there before ``-m`` selects: ``make test`` (``-m "not rasa and not
cluster"``) must leave out every test that asks for the Rasa stack, also through a fixture."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# its tests ask for rasa_stack by name only, without a rasa mark of their own
ONLY_BY_FIXTURE = "tests/conversations/test_waiting_not_silence.py"


def collected(marks: str) -> tuple[set[str], int]:
    """The test ids ``pytest --collect-only -m marks`` selects in that file, and how many tests
    the file has (those and the ones pytest says it deselected)."""
    args = ["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-m", marks]
    result = subprocess.run(  # noqa: S603 - this interpreter, pytest
        [sys.executable, "-m", "pytest", *args, ONLY_BY_FIXTURE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode in (0, 5), result.stdout[-2000:]  # 5: every test deselected
    ids = {line for line in result.stdout.splitlines() if "::" in line}
    deselected = re.search(r"\b(\d+) deselected", result.stdout)
    return ids, len(ids) + (int(deselected.group(1)) if deselected else 0)


def test_not_rasa_leaves_out_a_test_that_only_asks_for_the_stack() -> None:
    (model, every), (no_model, again) = collected("rasa"), collected("not rasa and not cluster")
    assert every == again
    assert len(model) >= 30, model  # the file's tests of the stack are in the model tier…
    assert not model & no_model, model & no_model  # …and not in the run without it
    assert len(model | no_model) == every  # and every test of the file is in one of the two
