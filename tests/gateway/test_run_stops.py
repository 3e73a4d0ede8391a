"""`make run` is quiet and stops cleanly (issue 22).

On a fresh clone `make run` prints at most 40 lines before the URLs: its own title, one line per
set-up step (scripts/step.sh sends the step's output, pip's and the training's included, to
var/log/setup-<step>.log), then what `geldhulp run` prints before "Geldhulp is running:".
Ctrl-C stops every process `geldhulp run` started, also when its output is piped and the reader
is gone (`make run | tee x`: Ctrl-C ends `tee` first, so the run cannot print)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from harness.rasa_stack import ROOT
from tests.support.run_process import alive, start_run

MAX_LINES_BEFORE_URLS = 40  # issue 22, for `make run` as a whole
RUNNING = "Geldhulp is running:"
STEP = ROOT / "scripts" / "step.sh"


def make_run_recipe() -> list[str]:
    """The command lines of the Makefile's `run` target."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index("run:") + 1
    recipe = []
    for line in lines[start:]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def make_run_own_lines() -> int:
    """How many lines `make run` prints before `geldhulp run` starts: one per `@echo` and one
    per `@$(STEP)`; any other command line (an echoed command, a step that prints) fails."""
    recipe = make_run_recipe()
    assert recipe[-1] == "@$(PYTHON) -m bot run", recipe
    for line in recipe[:-1]:
        assert re.fullmatch(
            r'@echo "[^"\n]*"|@\$\(STEP\) "[^"]+" var/log/setup-[a-z]+\.log .+', line
        ), line
    return len(recipe) - 1


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


@pytest.mark.rasa
async def test_ctrl_c_with_the_output_piped_leaves_no_process(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Also: `geldhulp run` and `make run`'s own lines stay within 40 before the URLs."""
    run = start_run(tmp_path, sqlite_url)
    children: dict[int, int] = {}
    try:
        await asyncio.to_thread(run.wait_until_running)
        before_urls = run.printed[: [line.strip() for line in run.printed].index(RUNNING)]
        children = run.children()
        # Rasa, the action server (and its Sanic worker) and the gateway
        assert len({group for group in children.values()}) >= 3, children
        assert run.proc.stdout is not None
        run.proc.stdout.close()  # `tee` is gone: every print of the run now fails
        run.interrupt()
        async with asyncio.timeout(120):
            while run.proc.poll() is None or any(alive(pid) for pid in children):
                await asyncio.sleep(0.1)
    finally:
        for group in {run.proc.pid, *children.values()}:  # whatever is left, so no test leaks it
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
    assert [pid for pid in children if alive(pid)] == []
    assert len(before_urls) + make_run_own_lines() <= MAX_LINES_BEFORE_URLS, before_urls
