"""Languages (issue 17): the languages are switched on for the action server of this run.

Off by default (bot/settings.py); the tests switch all five on as the default, and for
GM0014 (Groningen) only English, so a language that is off can be seen too. Set before any
fixture starts the Rasa stack (which passes its environment to the action server).
"""

from __future__ import annotations

import os

import pytest

from tests.gateway.conftest import fakes, gateway, rasa_proxy  # noqa: F401 - shared fixtures

LANGUAGES_DEFAULT = "en,ar,tr,pl,uk"
LANGUAGES_BY_MUNICIPALITY = "GM0014=en"


def pytest_configure(config: pytest.Config) -> None:
    """Switch the languages on for the action server of this test run."""
    os.environ.setdefault("GELDHULP_LANGUAGES_DEFAULT", LANGUAGES_DEFAULT)
    os.environ.setdefault("GELDHULP_LANGUAGES_BY_MUNICIPALITY", LANGUAGES_BY_MUNICIPALITY)
