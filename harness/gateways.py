"""Gateway instances as real processes (`python -m bot serve`), for the cluster tests.

Each instance is its own process on a free loopback port, so a test can kill one with -9 the
way a machine dies. They share one database, one Redis (with the test's own key prefix) and
the Rasa replicas.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from harness.rasa_stack import RASA_CHANNEL_TOKEN, ROOT, free_port, wait_http

PSEUDONYM_KEY = "cluster-test-pseudonym-key"


@dataclass
class GatewayProcess:
    """One gateway instance."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewayProcess:
        env = {**self.env, "GELDHULP_PORT": str(self.port), "GELDHULP_PUBLIC_URL": self.url}
        self.proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bot", "serve"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{self.url}/healthz", 300, self.proc)
        return self

    def owner_prefix(self) -> str:
        """How this process names itself in lease columns (host:pid:)."""
        import socket

        assert self.proc is not None
        return f"{socket.gethostname()[:30]}:{self.proc.pid}:"

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def gateway_env(
    *,
    database_url: str,
    redis_url: str,
    redis_prefix: str,
    rasa_urls: list[str],
    telegram_base_url: str,
    telegram_token: str,
    telegram_secret: str,
    **extra: str,
) -> dict[str, str]:
    """The environment of a test gateway instance (short leases so a take-over is quick)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("GELDHULP_")
    }  # nothing of the developer's own settings leaks in
    env.update(
        GELDHULP_ENV="test",
        GELDHULP_DATABASE_URL=database_url,
        GELDHULP_REDIS_URL=redis_url,
        GELDHULP_REDIS_PREFIX=redis_prefix,
        GELDHULP_RASA_URL=",".join(rasa_urls),
        GELDHULP_RASA_TIMEOUT="20",
        GELDHULP_RASA_CHANNEL_TOKEN=RASA_CHANNEL_TOKEN,
        GELDHULP_PSEUDONYM_KEY=PSEUDONYM_KEY,
        GELDHULP_SECRET_KEY="cluster-test-secret-key",  # noqa: S106 - test gateways only
        GELDHULP_TELEGRAM_TOKEN=telegram_token,
        GELDHULP_TELEGRAM_BASE_URL=telegram_base_url,
        GELDHULP_TELEGRAM_WEBHOOK_SECRET=telegram_secret,
        GELDHULP_TELEGRAM_MODE="webhook",
        GELDHULP_QUEUE_LEASE_SECONDS="25",
        GELDHULP_DELIVERY_RETRY_CAP_SECONDS="2",
        PYTHONPATH=str(ROOT),
    )
    env.update({f"GELDHULP_{k.upper()}": v for k, v in extra.items()})
    return env
