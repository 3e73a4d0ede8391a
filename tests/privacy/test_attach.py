"""The app factory's hook registers the retention/forget-me loop and the redaction warm-up; a bad
retention setting stops the start instead of failing silently every hour."""

from __future__ import annotations

import pytest
from aiohttp import web

from bot import keys
from bot.conversations.forgetting import attach, warm_redaction
from bot.settings import Settings, SettingsError


def test_attach_registers_the_loops() -> None:
    app = web.Application()
    app[keys.BACKGROUND] = []
    attach(app, None, Settings(retention_days_by_municipality="GM0363=30"))
    assert len(app[keys.BACKGROUND]) == 2 and warm_redaction in app[keys.BACKGROUND]
    with pytest.raises(SettingsError):
        attach(app, None, Settings(retention_days_by_municipality="GM0363=nooit"))
