"""Privacy fixtures: an empty database for Rasa's tracker store on the test's backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.databases import fresh_database
from tests.gateway.conftest import fakes, rasa_proxy  # noqa: F401 - fixtures of the e2e tests


@pytest.fixture
def tracker_db(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """Our async URL of an empty database (no migrations) for Rasa's SQLTrackerStore."""
    with fresh_database(db_backend, tmp_path, migrated=False) as url:
        yield url
