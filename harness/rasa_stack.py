"""Start the real Rasa server (trained model) and the real action server for tests.

Rasa runs in .venv-rasa (Python 3.10), the action server in this environment; both listen on
free loopback ports. The action server gets its own migrated SQLite database with the directory
imported, so custom actions answer from real data.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.supervise import RASA_COMMAND, RASA_LOGGING, action_server_args

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "geldhulp.tar.gz"
RASA_CHANNEL_TOKEN = "test-channel-token"  # noqa: S105 - loopback test stacks only


# Ports for the servers that tests start come from below the kernel's ephemeral range, each
# process walking its own stretch: a port the kernel hands out (to `bind(0)` or an outgoing
# connection) can then never be one that a test picked and whose server has not yet bound it
# (Rasa binds only after loading its model, a minute or more on a busy machine)
FIRST_PORT = 20000
STRETCHES = 64
_walk: Iterator[int] | None = None


def _ephemeral_start() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    return 32768


def _port_walk() -> Iterator[int]:
    """This process's ports: its own stretch (by xdist worker and pid), then the whole range."""
    end = _ephemeral_start()
    size = (end - FIRST_PORT) // STRETCHES
    if size < 20:  # an unusual kernel setting: let the kernel choose
        while True:
            yield 0
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw")[2:]
    stretch = (int(worker) if worker.isdigit() else 0) * 8 + os.getpid() % 8
    start = FIRST_PORT + (stretch % STRETCHES) * size
    while True:
        yield from range(start, end)
        yield from range(FIRST_PORT, start)


def free_port() -> int:
    """A free TCP port on loopback, never one the kernel hands out by itself."""
    global _walk  # noqa: PLW0603 - one walk per process
    if _walk is None:
        _walk = _port_walk()
    for port in _walk:
        with socket.socket() as s, contextlib.suppress(OSError):
            s.bind(("127.0.0.1", port))
            return int(s.getsockname()[1])
    raise AssertionError("unreachable: the walk never ends")


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until ``url`` answers 2xx; fail early when ``proc`` died."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
                if 200 <= resp.status < 300:
                    return
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last = exc
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


@dataclass
class RasaStack:
    """Handles to a running action server and one or more Rasa replicas."""

    rasa_url: str  # the first replica
    action_url: str
    database_url: str
    token: str
    tracker_url: str  # Rasa's SQL tracker store (SQLAlchemy 1.4 / sync form)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)  # actions, replicas…
    logs: list[Path] = field(default_factory=list)
    rasa_urls: list[str] = field(default_factory=list)
    replica_args: list[list[str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def stop_rasa(self, replica: int = 0) -> None:
        """Stop one Rasa replica (for fault tests)."""
        proc = self.procs[1 + replica]
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a busy machine: stop it the hard way
            proc.kill()
            proc.wait(timeout=30)

    def start_rasa(self, replica: int = 0, timeout: float = 900) -> None:
        """Start a stopped replica again and wait until it answers."""
        log = self.logs[1 + replica]
        proc = subprocess.Popen(  # noqa: S603
            self.replica_args[replica],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.procs[1 + replica] = proc
        wait_http(f"{self.rasa_urls[replica]}/webhooks/gateway/", timeout, proc)

    def ensure_running(self, timeout: float = 900) -> list[int]:
        """Start again every replica that was stopped (a fault test's); the ones started."""
        stopped = [n for n, proc in enumerate(self.procs[1:]) if proc.poll() is not None]
        for replica in stopped:
            self.start_rasa(replica, timeout)
        return stopped

    def stop(self) -> None:
        """Stop every process."""
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def prepare_action_database(workdir: Path) -> str:
    """A migrated SQLite database with the directory imported, for the action server."""
    url = f"sqlite+aiosqlite:///{workdir / 'actions.db'}"
    env = {**os.environ, "GELDHULP_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True)
    has_directory = (ROOT / "bot" / "directory" / "cli.py").exists()
    if has_directory:
        subprocess.run(
            [sys.executable, "-m", "bot", "directory", "import"], cwd=ROOT, env=env, check=True
        )
    return url


def start_stack(
    workdir: Path,
    *,
    database_url: str | None = None,
    replicas: int = 1,
    tracker_url: str | None = None,
    model: Path = MODEL,
) -> RasaStack:
    """Start the action server and ``replicas`` Rasa servers; return when all answer.

    Everything listens on loopback only. Replicas share one SQL tracker store (a SQLite file of
    this run by default; pass a PostgreSQL URL for several replicas). Each replica gets one
    TensorFlow thread of each kind, as on a 2-core machine with 2 replicas.
    """
    if not model.exists():
        raise RuntimeError(f"no trained model at {model}: run `make train` first")
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = database_url or prepare_action_database(workdir)
    action_port = free_port()
    rasa_ports = [free_port() for _ in range(replicas)]
    token = "test-token"  # noqa: S105 - loopback test stacks only
    env = {
        **os.environ,
        "GELDHULP_DATABASE_URL": database_url,
        "GELDHULP_ENV": "test",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        "PYTHONPATH": str(ROOT),
        "GELDHULP_RASA_CHANNEL_TOKEN": RASA_CHANNEL_TOKEN,
        "SANIC_HOST": "127.0.0.1",  # the action server on loopback only
        "TF_INTER_OP_PARALLELISM_THREADS": "1",
        "TF_INTRA_OP_PARALLELISM_THREADS": "1",
        **RASA_LOGGING,  # as `make run` starts Rasa: no message text in its log
    }
    # Rasa's trackers in their own SQLite file of this run (tests read and purge it)
    tracker_url = tracker_url or f"sqlite:///{workdir / 'rasa_tracker.db'}"
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{action_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  url: {tracker_url}\n"
    )
    action_log = workdir / "actions.log"
    actions = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        action_server_args(action_port),
        cwd=ROOT,
        env=env,
        stdout=action_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    stack = RasaStack(
        rasa_url=f"http://127.0.0.1:{rasa_ports[0]}",
        action_url=f"http://127.0.0.1:{action_port}/webhook",
        database_url=database_url,
        token=token,
        tracker_url=tracker_url,
        procs=[actions],
        logs=[action_log],
        rasa_urls=[f"http://127.0.0.1:{p}" for p in rasa_ports],
        env=env,
    )
    for n, port in enumerate(rasa_ports):
        args = [
            *RASA_COMMAND,
            "run",
            "--model",
            str(model),
            "--port",
            str(port),
            "--interface",
            "127.0.0.1",
            "--enable-api",
            "--auth-token",
            token,
            "--endpoints",
            str(endpoints),
            "--credentials",
            "credentials.dev.yml",
        ]
        log = workdir / (f"rasa-{n}.log" if n else "rasa.log")
        stack.replica_args.append(args)
        stack.logs.append(log)
        stack.procs.append(
            subprocess.Popen(  # noqa: S603
                args, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
        )
    try:
        wait_http(f"http://127.0.0.1:{action_port}/health", 300, actions)
        for url, proc in zip(stack.rasa_urls, stack.procs[1:], strict=True):
            wait_http(f"{url}/status?token={token}", 900, proc)  # slow on a busy machine
    except Exception:
        stack.stop()
        for log in stack.logs:
            sys.stderr.write(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}\n")
        raise
    return stack


# --- one stack per test run ----------------------------------------------------------------------
# With pytest-xdist the controller names a directory (SHARED_DIR_ENV) before it starts the workers;
# the first worker that needs Rasa starts the stack there, under a file lock, and writes where it
# listens; the others read that; the controller stops it when the run ends (stop_shared). Without
# xdist the session fixture starts and stops its own stack.
SHARED_DIR_ENV = "GELDHULP_TEST_STACK_DIR"
_INFO = "stack.json"
_FIELDS = ("rasa_url", "action_url", "database_url", "token", "tracker_url", "rasa_urls")


def _describe(stack: RasaStack) -> dict[str, object]:
    info: dict[str, object] = {name: getattr(stack, name) for name in _FIELDS}
    info["logs"] = [str(p) for p in stack.logs]
    info["pids"] = [p.pid for p in stack.procs]
    return info


def _from_description(info: dict[str, object]) -> RasaStack:
    stack = RasaStack(**{name: info[name] for name in _FIELDS})  # type: ignore[arg-type]
    stack.logs = [Path(str(p)) for p in info["logs"]]  # type: ignore[attr-defined]
    return stack


def shared_stack(directory: Path) -> RasaStack:
    """The run's one stack: started by the first caller (of any worker), read by the others.

    The returned handle of a reader has no process handles: it cannot stop the stack (the
    controller does, `stop_shared`).
    """
    import fcntl
    import json

    directory.mkdir(parents=True, exist_ok=True)
    info_file = directory / _INFO
    with (directory / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the second worker waits here until the stack answers
        try:
            if info_file.exists():
                info = json.loads(info_file.read_text())
                if "error" in info:
                    raise RuntimeError(f"the shared Rasa stack did not start: {info['error']}")
                return _from_description(info)
            try:
                stack = start_stack(directory / "stack")
            except Exception as exc:
                info_file.write_text(json.dumps({"error": str(exc)[:2000]}))
                raise
            info_file.write_text(json.dumps(_describe(stack)))
            return stack
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def stop_shared(directory: Path) -> None:
    """Stop the processes of the run's stack, if one was started (the controller, at the end)."""
    import json
    import signal

    info_file = directory / _INFO
    if not info_file.exists():
        return
    pids = [int(p) for p in json.loads(info_file.read_text()).get("pids", [])]
    for pid in reversed(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for pid in pids:
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a stopped child of a worker that is gone is reaped by init; a zombie of ours counts as gone
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
