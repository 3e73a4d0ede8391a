"""`make run`'s set-up steps are quiet (issue 22).

On a fresh clone `make run` prints at most 40 lines before the URLs: its own title, one line per
set-up step (scripts/step.sh sends the step's output, pip's and the training's included, to
var/log/setup-<step>.log), then what `geldhulp run` prints before "Geldhulp is running:" (that
count, and Ctrl-C with the output piped: tests/gateway/test_geldhulp_run.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness.rasa_stack import ROOT

MAX_LINES_BEFORE_URLS = 40  # issue 22, for `make run` as a whole
RUNNING = "Geldhulp is running:"
STEP = ROOT / "scripts" / "step.sh"


def test_a_set_up_step_prints_one_line_and_logs_the_rest(tmp_path: Path) -> None:
    log = tmp_path / "log" / "setup-noise.log"
    noise = "for i in $(seq 200); do echo out $i; echo err $i >&2; done"
    done = subprocess.run(  # noqa: S603 - our own script
        [str(STEP), "A noisy step", str(log), "bash", "-c", noise],
        capture_output=True,
        check=True,
    )
    out = done.stdout.decode()  # bytes: the progress line ends in \r, not in a line of its own
    assert done.stderr == b""
    assert out.count("\n") == 1 and "✓ A noisy step" in out, out
    assert len(log.read_text().splitlines()) == 400


def test_a_failing_set_up_step_shows_the_end_of_its_log(tmp_path: Path) -> None:
    log = tmp_path / "setup-broken.log"
    broken = "for i in $(seq 100); do echo line $i; done; exit 3"
    done = subprocess.run(  # noqa: S603 - our own script
        [str(STEP), "A broken step", str(log), "bash", "-c", broken],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 3
    assert "✗ A broken step failed" in done.stdout and "line 100" in done.stdout
    assert "line 70" not in done.stdout  # the end of the log, not all of it
