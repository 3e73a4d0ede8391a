"""`geldhulp run` (bot/supervise.py) as `make run` starts it, on free loopback ports, with its
own database, tracker store and log folder, and its output on a pipe like `make run | tee x`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness.rasa_stack import ROOT, free_port

READY = "Press Ctrl-C to stop."
RUNNING = "Geldhulp is running:"


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


@dataclass
class RunProcess:
    """A running `geldhulp run` and what it printed so far."""

    proc: subprocess.Popen[bytes]
    public_url: str
    log_dir: Path
    printed: list[str]

    def wait_until_running(self, timeout: float = 900) -> None:  # Rasa loads for minutes when busy
        """Read the output until the URLs are printed (fails when the run stops first)."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode(errors="replace")
            if not line and self.proc.poll() is not None:
                raise AssertionError(f"geldhulp run stopped:\n{''.join(self.printed)}")
            self.printed.append(line)
            if line.strip() == READY:
                return
        raise AssertionError(f"geldhulp run did not get ready:\n{''.join(self.printed)}")

    def children(self) -> dict[int, int]:
        """Every process below the run (pid -> process group), read from /proc."""
        parents: dict[int, int] = {}
        groups: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)], groups[int(entry.name)] = int(fields[1]), int(fields[2])
        found: dict[int, int] = {}
        frontier = [self.proc.pid]
        while frontier:
            parent = frontier.pop()
            for pid, ppid in parents.items():
                if ppid == parent and pid not in found:
                    found[pid] = groups[pid]
                    frontier.append(pid)
        return found

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the run's process group (the terminal's foreground group)."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def stop(self) -> str:
        """Stop the run (Ctrl-C) if it still runs; return everything it printed."""
        if self.proc.poll() is None:
            self.interrupt()
        out = b""
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            out = self.proc.stdout.read()
        self.proc.wait(timeout=120)
        return "".join(self.printed) + out.decode(errors="replace")


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_run(workdir: Path, database_url: str) -> RunProcess:
    """Start `python -m bot run --no-chat` with its output on a pipe."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    log_dir = workdir / "log"
    env = {
        **os.environ,
        "GELDHULP_ENV": "development",
        "GELDHULP_DATABASE_URL": database_url,
        "GELDHULP_RASA_TRACKER_URL": f"sqlite+aiosqlite:///{workdir / 'rasa_tracker.db'}",
        "GELDHULP_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "GELDHULP_ACTION_SERVER_URL": f"http://127.0.0.1:{free_port()}/webhook",
        "GELDHULP_PORT": str(port),
        "GELDHULP_PUBLIC_URL": public,
        "GELDHULP_TELEGRAM_MODE": "off",
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
        "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    }
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "run", "--no-chat", "--log-dir", str(log_dir)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: our SIGINT reaches it, not pytest
    )
    return RunProcess(proc, public, log_dir, [])
