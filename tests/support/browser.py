"""Debian's Chromium for the browser tests: headless, no sandbox, no background network calls."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def launch(playwright: Any) -> Any:
    """Start the machine's Chromium through Playwright (no browser download)."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def publish_screenshots(artifacts: Path, *names: str) -> None:
    """Copy screenshots into docs/img/ for the README, only when asked
    (GELDHULP_UPDATE_DOC_IMAGES=1): a test run never changes the repository by itself."""
    import os
    import shutil

    if os.environ.get("GELDHULP_UPDATE_DOC_IMAGES") != "1":
        return
    docs = Path(__file__).resolve().parents[2] / "docs" / "img"
    for name in names:
        shutil.copy(artifacts / name, docs / name)
