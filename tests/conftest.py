"""Shared fixtures: fresh databases on both backends, and the real Rasa stack.

Feature-specific fixtures live in the conftest.py of each tests/<feature>/ folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import fresh_database, postgres_available

BACKENDS = ["sqlite", "postgres"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip nothing silently: PostgreSQL tests fail loudly when CI expects the server."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if "db_url" in getattr(item, "fixturenames", ()):
            callspec = getattr(item, "callspec", None)
            if callspec and callspec.params.get("db_backend") == "postgres":
                item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def _pg_ok() -> bool:
    return postgres_available()


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest, _pg_ok: bool) -> str:
    """Each DB test runs on SQLite and on PostgreSQL."""
    if request.param == "postgres" and not _pg_ok:
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable (needed for the postgres tests)")
    return str(request.param)


@pytest.fixture
def db_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database with every migration applied."""
    with fresh_database(db_backend, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated SQLite database (for tests that need one backend only)."""
    with fresh_database("sqlite", tmp_path) as url:
        yield url


@pytest.fixture
def postgres_url(tmp_path: Path, _pg_ok: bool) -> Iterator[str]:
    """URL of a fresh, migrated PostgreSQL database (several instances need PostgreSQL)."""
    if not _pg_ok:
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable (needed for this test)")
    with fresh_database("postgres", tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The real Rasa server with the trained model, plus the real action server (one per run)."""
    from tests.support.rasa_stack import start_stack

    stack = start_stack(tmp_path_factory.mktemp("rasa-stack"))
    try:
        yield stack
    finally:
        stack.stop()
