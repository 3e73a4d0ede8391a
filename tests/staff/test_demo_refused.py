"""Demo data has a published password: `geldhulp demo seed` refuses outside development (the
real command), and demo accounts cannot log in there (tests/staff/test_login.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from bot.staff import StaffUser
from bot.storage.db import open_database

ROOT = Path(__file__).resolve().parents[2]


def seed(url: str, env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "GELDHULP_ENV": env,
        "GELDHULP_SECRET_KEY": "a-real-secret-for-this-test",
        "GELDHULP_PSEUDONYM_KEY": "another-real-secret",
        "GELDHULP_MEDIA_KEY": "cd" * 32,
        "GELDHULP_RASA_CHANNEL_TOKEN": "and-a-third-one",
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", "demo", "seed", "--url", url],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


async def staff_count(url: str) -> int:
    async with open_database(url) as (_e, factory), factory() as s:
        return int(await s.scalar(select(func.count()).select_from(StaffUser)) or 0)


async def test_demo_seed_is_refused_outside_development(sqlite_url: str) -> None:
    refused = seed(sqlite_url, "production")
    assert refused.returncode == 2 and "demo seed refused" in refused.stderr, refused.stderr
    assert await staff_count(sqlite_url) == 0
    done = seed(sqlite_url, "development")
    assert done.returncode == 0, done.stderr
    assert await staff_count(sqlite_url) > 0
