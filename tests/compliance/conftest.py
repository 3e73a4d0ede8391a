"""Compliance fixtures: the real gateway with the fakes and the real Rasa (core's fixtures)."""

from __future__ import annotations

from tests.gateway.conftest import fakes, gateway, rasa_proxy  # noqa: F401 - fixtures
