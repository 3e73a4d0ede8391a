"""Shared fixtures: fresh databases on both backends, and the real Rasa stack.

Feature-specific fixtures live in the conftest.py of each tests/<feature>/ folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.databases import fresh_database, postgres_available

pytest_plugins = ["tests.support.tiers"]  # each test's tier and the time per tier (`make test`)
BACKENDS = ["sqlite", "postgres"]
_SHARED_KEY = pytest.StashKey[Path]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip nothing silently: PostgreSQL tests fail loudly when CI expects the server."""
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if {"db_url", "directory_url"} & set(getattr(item, "fixturenames", ())):
            callspec = getattr(item, "callspec", None)
            if callspec and callspec.params.get("db_backend") == "postgres":
                item.add_marker(pytest.mark.postgres)
    _groups_first(items)
    _xdist_groups(config, items)


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
def directory_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database with the reference directory imported (both backends):
    a copy of a template the real import filled once per process and backend."""
    with fresh_database(db_backend, tmp_path, directory=True) as url:
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


def _groups_first(items: list[pytest.Item]) -> None:
    """Tests of an ``xdist_group`` first (the cluster's: minutes on one worker, in order).

    xdist hands work out in collection order; collected where they fall, the cluster's tests
    started late and ran on one worker while the other had finished (the run's tail). First,
    the other worker takes every other test meanwhile. A stable sort: the order within the
    groups and of the other tests stays as collected."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


def _xdist_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `xdist_group` work: pytest-xdist 3.8 adds the group to `item._nodeid`, but pytest 9
    keeps a node's id in `item._id`, so the groups were silently ignored (both workers started
    the cluster's two replicas). The scheduler reads "<id>@<group>" as the group."""
    if not getattr(config.option, "loadgroup", False):
        return
    from _pytest.nodeid import coerce_node_id

    for item in items:
        names = sorted(
            {
                str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                for m in item.iter_markers("xdist_group")
            }
        )
        if names and "@" not in item.nodeid.rsplit("]", 1)[-1]:
            item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(names)}")  # type: ignore[attr-defined]


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None))


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist the controller names the directory of the run's one Rasa stack (before it
    starts the workers, which inherit the environment).

    Every process reads the domain's texts once: test modules (at collection) and each app a
    test starts read them again otherwise (tests/support/domain_cache.py; parsed again when a
    file changes)."""
    from bot.staff.passwords import TEST_COST_ENV
    from harness.rasa_stack import SHARED_DIR_ENV
    from tests.support.domain_cache import install

    config.add_cleanup(install())
    # staff passwords hashed with a small scrypt factor (bot/staff/passwords.py; the suite made
    # and checked thousands, over 100 s of CPU at full strength); the processes it starts inherit
    # it, and tests/staff/test_passwords.py checks the full factor
    os.environ.setdefault(TEST_COST_ENV, "16")

    if _is_xdist_controller(config) and SHARED_DIR_ENV not in os.environ:
        directory = Path(tempfile.mkdtemp(prefix="geldhulp-rasa-stack-"))
        os.environ[SHARED_DIR_ENV] = str(directory)
        config.stash[_SHARED_KEY] = directory


def pytest_unconfigure(config: pytest.Config) -> None:
    """The controller stops the run's stack when every worker is done."""
    directory = config.stash.get(_SHARED_KEY, None)
    if directory is not None:
        from harness.rasa_stack import SHARED_DIR_ENV, stop_shared

        stop_shared(directory)
        os.environ.pop(SHARED_DIR_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The real Rasa server with the trained model, plus the real action server: one per run.

    Under xdist all workers share the stack the first of them starts (harness/rasa_stack.py
    `shared_stack`); without it this session starts and stops its own.
    """
    from harness.rasa_stack import SHARED_DIR_ENV, shared_stack, start_stack

    shared = os.environ.get(SHARED_DIR_ENV)
    if shared:
        yield shared_stack(Path(shared))
        return
    stack = start_stack(tmp_path_factory.mktemp("rasa-stack"))
    try:
        yield stack
    finally:
        stack.stop()
