"""A private PostgreSQL cluster and a private Redis server on free ports, for outage tests.

The machine's shared PostgreSQL and Redis are never stopped; these are made for one test
(initdb into a temporary folder, owned by the postgres user when we run as root) and can be
stopped and started at will.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness.rasa_stack import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _wait_port(port: int, up: bool, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            listening = s.connect_ex(("127.0.0.1", port)) == 0
        if listening == up:
            return
        time.sleep(0.1)
    raise TimeoutError(f"port {port} did not go {'up' if up else 'down'}")


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of our own (trust auth on loopback)."""

    folder: Path
    port: int

    @classmethod
    def create(cls) -> PrivatePostgres:
        # a folder of its own that the postgres user can reach (pytest's are root-only)
        parent = Path(tempfile.mkdtemp(prefix="geldhulp-pg-"))
        folder = parent / "pgdata"
        if os.geteuid() == 0:
            shutil.chown(parent, "postgres")
        pg = cls(folder, free_port())
        subprocess.run(  # noqa: S603
            _as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(folder), "-U", "postgres", "--auth=trust"]
            ),
            check=True,
            capture_output=True,
        )
        pg.start()
        return pg

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        subprocess.run(  # noqa: S603
            _as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.folder),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "server.log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder), "-m", "fast", "stop"]),
            check=False,
            capture_output=True,
        )
        _wait_port(self.port, up=False)

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        shutil.rmtree(self.folder.parent, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A redis-server of our own, without persistence."""

    port: int
    proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def create(cls) -> PrivateRedis:
        redis = cls(free_port())
        redis.start()
        return redis

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        _wait_port(self.port, up=False)
