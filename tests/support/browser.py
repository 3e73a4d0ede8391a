"""Debian's Chromium for the browser tests: headless, no sandbox, no background network calls."""

from __future__ import annotations

import shutil
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
