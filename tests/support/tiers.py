"""Test tiers: every test is in one, and the run ends with each tier's count and time.

- **unit**: no server, no database, no Rasa;
- **integration**: real databases (both backends), real HTTP on loopback, the fake channel servers
  and, for the gateway, a fake Rasa speaking the gateway channel's protocol (tests/fakes);
- **browser**: headless Chromium (axe-core, screenshots, keyboard);
- **model**: the trained Rasa model and the real action server (assistant, NLU, safety, anything
  using the ``rasa_stack`` fixture); `make test` runs them when the model changed, CI always;
- **cluster**: two gateways and two Rasa replicas on PostgreSQL and Redis.

A test's tier comes from its markers, which collection adds from the fixtures it uses, so a test
is never in a tier by the accident of its file. The time per tier is the sum of its tests' set-up,
call and tear-down (the run's wall time is shorter: two workers run at once).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

TIERS = ("unit", "integration", "browser", "model", "cluster")
# fixtures that make a test an integration test (a database, a server, an HTTP client)
INTEGRATION_FIXTURES = frozenset(
    {
        "db_url",
        "directory_url",
        "sqlite_url",
        "postgres_url",
        "aiohttp_client",
        "aiohttp_server",
        "redis_url",
        "tmp_database",
        "shared_db",  # one database for a module's tests (tests/conversations)
        "fakes",  # the fake Telegram and Graph servers on loopback
        "tracker_db",
    }
)
MODEL_FIXTURES = frozenset({"rasa_stack"})


def tier_of(keywords: object) -> str:
    """The tier of a test from the names of its markers (a report's or an item's keywords)."""
    names = set(keywords)  # type: ignore[call-overload]
    if "cluster" in names:
        return "cluster"
    if "rasa" in names:
        return "model"
    if "browser" in names:
        return "browser"
    if "integration" in names or "postgres" in names:
        return "integration"
    return "unit"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test by what it uses: the real model (``rasa``) or a server (``integration``).

    First of all hooks: ``-m "not rasa"`` (pytest's own hook) must see these marks. Marked last,
    a test that only asked for ``rasa_stack`` stayed in a run without the model tier and
    started the whole Rasa stack there."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & MODEL_FIXTURES and item.get_closest_marker("cluster") is None:
            item.add_marker(pytest.mark.rasa)
        elif fixtures & INTEGRATION_FIXTURES:
            item.add_marker(pytest.mark.integration)


class TierClock:
    """Adds up the reports' durations per tier (on the xdist controller, or the one process)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.tests: dict[str, set[str]] = defaultdict(set)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        tier = tier_of(report.keywords)
        self.seconds[tier] += report.duration
        self.tests[tier].add(report.nodeid)

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter) -> None:  # type: ignore[no-untyped-def]
        if not self.tests:
            return
        terminalreporter.section("time per tier (sum of the tests' durations)")
        for tier in TIERS:
            if self.tests.get(tier):
                terminalreporter.write_line(
                    f"{tier:<12} {len(self.tests[tier]):>6} tests  {self.seconds[tier]:>8.1f} s"
                )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: uses a database, a server or HTTP (set by collection)"
    )
    if not hasattr(config, "workerinput"):  # the controller (or the only process) reports
        config.pluginmanager.register(TierClock(), "geldhulp-tier-clock")
