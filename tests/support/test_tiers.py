"""The tier marks are there before ``-m`` selects: ``make test`` (``-m "not rasa and not
cluster"``) must leave out every test that asks for the Rasa stack, also through a fixture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# its tests ask for rasa_stack by name only, without a rasa mark of their own
ONLY_BY_FIXTURE = "tests/conversations/test_waiting_not_silence.py"


def collected(marks: str) -> set[str]:
    """The test ids ``pytest --collect-only -m marks`` selects in that file."""
    args = ["--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    result = subprocess.run(  # noqa: S603 - this interpreter, pytest
        [sys.executable, "-m", "pytest", *args, *(["-m", marks] if marks else []), ONLY_BY_FIXTURE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return {line for line in result.stdout.splitlines() if "::" in line}


def test_not_rasa_leaves_out_a_test_that_only_asks_for_the_stack() -> None:
    every, model, no_model = collected(""), collected("rasa"), collected("not rasa and not cluster")
    assert len(model) >= 30, model  # the file's tests of the stack are in the model tier…
    assert not model & no_model, model & no_model  # …and not in the run without it
    assert model | no_model == every
