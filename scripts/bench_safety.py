"""`make bench-safety`: crisis recall and false-alarm rates per tier on the team's crisis set.

Measures the gateway's screen() (rules only, as when Rasa is down) and the trained model
(models/geldhulp.tar.gz served by `rasa run --enable-api` on a free loopback port, every message
over real HTTP), on tests/safety/data/crisis_set.yml and on the held-out check set. Prints the
reports and writes results/bench_safety.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.conversations.safety import screen  # noqa: E402
from tests.safety.measure import (  # noqa: E402
    Report,
    format_report,
    load_set,
    measure,
    measure_parse,
)
from tests.support.rasa_stack import MODEL, RASA_BIN, free_port, wait_http  # noqa: E402

HOLDOUT = ROOT / "tests" / "safety" / "data" / "crisis_holdout.yml"
FINAL = ROOT / "tests" / "safety" / "data" / "crisis_final_check.yml"


def parse_with(port: int) -> Any:
    """A function that parses one text with the Rasa server on ``port``."""

    def parse(text: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"http://127.0.0.1:{port}/model/parse",
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
            return dict(json.load(resp))

    return parse


def main() -> int:
    sets = {
        "crisis set": load_set(),
        "held-out check": load_set(HOLDOUT),
        "final check": load_set(FINAL),
    }
    reports: list[Report] = []
    for label, crisis_set in sets.items():
        reports.append(
            measure(
                f"gateway screen(), rules only, {label}",
                lambda t: (screen(t).tier, screen(t).kind),
                crisis_set,
            )
        )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "GELDHULP_RASA_CHANNEL_TOKEN": "bench-safety",
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
    }
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = (Path(tmp) / "rasa.log").open("wb")
        # parse only: no tracker store, no action server (the default endpoints.yml needs both)
        endpoints = Path(tmp) / "endpoints.yml"
        endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:9/webhook\n")
        server = subprocess.Popen(  # noqa: S603
            [
                str(RASA_BIN),
                "run",
                "--enable-api",
                "--model",
                str(MODEL),
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
                "--endpoints",
                str(endpoints),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            try:
                wait_http(f"http://127.0.0.1:{port}/status", 300, server)
            except (RuntimeError, TimeoutError):
                log.flush()
                sys.stderr.write((Path(tmp) / "rasa.log").read_text(errors="replace")[-3000:])
                raise
            for label, crisis_set in sets.items():
                reports.append(
                    measure_parse(parse_with(port), f"trained model, {label}", crisis_set)
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()
    for report in reports:
        print(format_report(report))
        print()
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "bench_safety.json").write_text(
        json.dumps({r.name: r.as_dict() for r in reports}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
