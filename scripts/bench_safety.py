"""`make bench-safety`: crisis recall and false alarms per tier and per language.

Two screenings: the gateway's screen() with the rules alone (as when Rasa is down), and the
trained model (models/geldhulp.tar.gz served by `rasa run --enable-api` on a free loopback port,
every message over real HTTP: CrisisGuard with the rules, the semantic layer and the
classifier). Sets: the team's crisis sets (crisis set, held-out check, final check), the
held-out check for the new kinds and languages (crisis_more.yml), the emotional lookalikes, and
the real-words dev half when present. `--final` adds the sealed final half: aggregate numbers
only, never a message. Writes results/bench_safety.json. Imports nothing from tests/.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.conversations.safety import screen  # noqa: E402
from harness.rasa_stack import RASA_COMMAND  # noqa: E402
from rasa_addons.safety.measure import (  # noqa: E402
    FINAL_CHECK,
    HOLDOUT,
    LOOKALIKES,
    LOOKALIKES_MORE,
    MORE,
    REAL_DEV,
    REAL_FINAL,
    SET_PATH,
    SOFT_HELDOUT,
    Item,
    Report,
    Scores,
    Verdict,
    format_report,
    format_scores,
    load_items,
    load_set,
    measure,
    score,
    verdict_of_parse,
)

MODEL = ROOT / "models" / "geldhulp.tar.gz"
CRISIS_SETS = {"crisis set": SET_PATH, "held-out check": HOLDOUT, "final check": FINAL_CHECK}


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    """Wait until ``url`` answers 2xx; fail early when ``proc`` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"rasa exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback
                if 200 <= resp.status < 300:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def parse_with(port: int) -> Callable[[str], dict[str, Any]]:
    """A function that parses one text with the Rasa server on ``port`` (cached per text)."""
    seen: dict[str, dict[str, Any]] = {}

    def parse(text: str) -> dict[str, Any]:
        if text not in seen:
            request = urllib.request.Request(  # noqa: S310 - loopback
                f"http://127.0.0.1:{port}/model/parse",
                data=json.dumps({"text": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
                seen[text] = dict(json.load(resp))
        return seen[text]

    return parse


def item_sets(final: bool) -> dict[str, tuple[list[Item], bool]]:
    """Every set as items, with whether its messages may be printed."""
    sets = {label: (load_items(path), True) for label, path in CRISIS_SETS.items()}
    sets["new kinds and languages"] = (load_items(MORE), True)
    sets["emotional lookalikes"] = (load_items(LOOKALIKES), True)
    sets["soft kinds, held-out 2"] = (load_items(SOFT_HELDOUT), True)
    sets["emotional lookalikes 2"] = (load_items(LOOKALIKES_MORE), True)
    if REAL_DEV.exists():
        sets["real words, dev half"] = (load_items(REAL_DEV), True)
    if final and REAL_FINAL.exists():
        sets["real words, SEALED final half"] = (load_items(REAL_FINAL), False)
    return sets


def run_all(
    layer: str,
    classify: Callable[[str], Verdict],
    sets: Mapping[str, tuple[list[Item], bool]],
    reports: list[Report],
    tables: dict[str, dict[str, Scores]],
    printed: list[str],
) -> None:
    """Measure one screening on every set."""
    for label, path in CRISIS_SETS.items():
        report = measure(f"{layer}, {label}", classify, load_set(path))
        reports.append(report)
        printed.append(format_report(report))
    for label, (items, show) in sets.items():
        groups = score(classify, items)
        tables[f"{layer}, {label}"] = groups
        printed.append(format_scores(f"{layer}, {label}", groups, texts=show))


def start_rasa(tmp: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    """Rasa serving the trained model for parsing only (no tracker store, no action server)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "GELDHULP_RASA_CHANNEL_TOKEN": "bench-safety",
        "ACTION_SERVER_URL": "http://127.0.0.1:9/webhook",
    }
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:9/webhook\n")
    log_path = tmp / "rasa.log"
    port = free_port()
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603
            [
                *RASA_COMMAND,
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
    return server, port, log_path


@contextmanager
def served_model() -> Iterator[Callable[[str], dict[str, Any]]]:
    """The trained model served on a free loopback port while the block runs: yields a function
    that parses one text (the end of Rasa's log is printed when it does not start)."""
    with tempfile.TemporaryDirectory() as tmp:
        server, port, log_path = start_rasa(Path(tmp))
        try:
            try:
                wait_http(f"http://127.0.0.1:{port}/status", 300, server)
            except (RuntimeError, TimeoutError):
                sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
                raise
            yield parse_with(port)
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--final", action="store_true", help="also the sealed final half")
    parser.add_argument("--rules-only", action="store_true", help="skip the trained model")
    args = parser.parse_args()
    sets = item_sets(args.final)
    reports: list[Report] = []
    tables: dict[str, dict[str, Scores]] = {}
    printed: list[str] = []

    def rules_alone(text: str) -> Verdict:
        found = screen(text)
        return found.tier, found.kind

    run_all("rules alone (gateway screen)", rules_alone, sets, reports, tables, printed)
    if not args.rules_only:
        with served_model() as parse:
            run_all(
                "trained model",
                lambda t: verdict_of_parse(parse(t)),
                sets,
                reports,
                tables,
                printed,
            )
    print("\n\n".join(printed))
    (ROOT / "results").mkdir(exist_ok=True)
    result = {
        "crisis_sets": {r.name: r.as_dict() for r in reports},
        "per_language": {
            name: {g: s.as_dict() for g, s in groups.items()} for name, groups in tables.items()
        },
    }
    (ROOT / "results" / "bench_safety.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
