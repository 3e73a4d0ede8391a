"""Write and read trackers with Rasa's own SQLTrackerStore (Rasa's Python 3.10 env, a subprocess),
so that the purge is tested against the table Rasa really creates and reads."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r"""
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

async def main(cmd):
    store = SQLTrackerStore(Domain.empty(), host=cmd["url"])
    out = {}
    for sender, turns in cmd.get("write", {}).items():
        tracker = DialogueStateTracker(sender, slots=[])
        for kind, text, ts in turns:
            event = UserUttered(text, timestamp=ts) if kind == "user" else BotUttered(text, timestamp=ts)
            tracker.update(event)
        await store.save(tracker)
    for sender in cmd.get("read", []):
        tracker = await store.retrieve_full_tracker(sender)
        out[sender] = [] if tracker is None else [e.as_dict().get("text") for e in tracker.events]
    print("RESULT" + json.dumps(out))

asyncio.run(main(json.loads(sys.argv[1])))
"""


def sync_url(url: str) -> str:
    """Our async URL in the form Rasa's SQLAlchemy 1.4 wants."""
    return url.replace("sqlite+aiosqlite://", "sqlite://").replace(
        "postgresql+asyncpg://", "postgresql://"
    )


def rasa_store(url: str, *, write: dict[str, Any] | None = None, read: list[str] = ()) -> dict:  # type: ignore[assignment,type-arg]
    """Save trackers (``{sender: [(kind, text, timestamp), …]}``) and read texts back."""
    cmd = {"url": sync_url(url), "write": write or {}, "read": list(read)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(RASA_PYTHON), "-W", "ignore", "-c", SCRIPT, json.dumps(cmd)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT")), None)
    assert line is not None, done.stderr[-3000:]
    return json.loads(line[len("RESULT") :])  # type: ignore[no-any-return]
