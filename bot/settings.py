"""Settings for every Geldhulp process, read once from the environment at start-up.

Tests build ``Settings(...)`` directly. Secrets are wrapped in :class:`Secret` so that a
``repr`` or a log line never shows them. Placeholder secrets are refused outside development.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{ROOT / 'var' / 'geldhulp.db'}"
DEFAULT_RASA_TRACKER_URL = f"sqlite+aiosqlite:///{ROOT / 'var' / 'rasa_tracker.db'}"
PLACEHOLDER = "change-me"


class Secret(str):
    """A string whose repr is masked."""

    def __repr__(self) -> str:
        return "Secret('**********')" if self else "Secret('')"


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Configuration of the gateway, actions and tools. Env var names are ``GELDHULP_<FIELD>``."""

    env: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = ""
    # Rasa (on loopback only: its REST channel has no authentication)
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = 10.0
    rasa_channel_token: Secret = Secret(PLACEHOLDER)  # shared with Rasa's gateway channel
    # Rasa's SQL tracker store, as our async URL (the Rasa side gets the sync form, see
    # `rasa_tracker_url_for_rasa`); retention and forget-me delete from it
    rasa_tracker_url: str = DEFAULT_RASA_TRACKER_URL
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    # gateway
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    secret_key: Secret = Secret(PLACEHOLDER)  # sessions, CSRF
    pseudonym_key: Secret = Secret(PLACEHOLDER)  # keyed hash of channel user ids
    max_body_bytes: int = 4 * 1024 * 1024
    # Telegram
    telegram_token: Secret = Secret("")
    telegram_webhook_secret: Secret = Secret("")
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_mode: str = "auto"  # auto | webhook | polling | off
    # WhatsApp Cloud API
    whatsapp_token: Secret = Secret("")
    whatsapp_app_secret: Secret = Secret("")
    whatsapp_verify_token: Secret = Secret("")
    whatsapp_phone_number_id: str = ""
    whatsapp_graph_url: str = "https://graph.facebook.com/v25.0"
    # privacy
    transcript_retention_days: int = 90
    # privacy (issue 11): retention per municipality, "GM0363=30,GM0518=60" (days); others
    # keep transcript_retention_days. Used by the purge and by the privacy answer.
    retention_days_by_municipality: str = ""
    # core (issue 12): several instances. rasa_url may list replicas, comma-separated.
    redis_prefix: str = "geldhulp:"  # keys and channels in Redis (several tenants, tests)
    queue_lease_seconds: float = 60.0  # an instance holds claimed work this long
    delivery_max_age_hours: float = 24.0  # retry a reply this long, then "niet bezorgd"
    delivery_retry_cap_seconds: float = 300.0  # the longest wait between two send attempts
    workers: bool = True  # False: a front-end instance (webhooks, web chat) that claims no work
    pacing: str = ""  # per-chat pacing overrides, e.g. "telegram=0" (benchmarks); "" = defaults
    extra: Mapping[str, str] = field(default_factory=dict)
    # attend (issue 9): how often the timeouts loop looks for overdue and silent chats (seconds)
    attend_sweep_seconds: float = 30.0

    @property
    def is_development(self) -> bool:
        """True for local development and tests."""
        return self.env in {"development", "test"}


def rasa_tracker_url_for_rasa(url: str) -> str:
    """The tracker URL as Rasa's SQLAlchemy 1.4 wants it (sync drivers: sqlite, psycopg2)."""
    return url.replace("sqlite+aiosqlite://", "sqlite://").replace(
        "postgresql+asyncpg://", "postgresql://"
    )


def _cast(name: str, raw: str, kind: object) -> object:
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"GELDHULP_{name.upper()} must be a whole number") from exc
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError as exc:
            raise SettingsError(f"GELDHULP_{name.upper()} must be a number") from exc
    if kind in (Secret, "Secret"):
        return Secret(raw)
    if kind in (bool, "bool"):
        if raw.strip().lower() not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise SettingsError(f"GELDHULP_{name.upper()} must be true or false")
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``GELDHULP_*`` variables; refuse placeholder secrets in production."""
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        if f.name == "extra":
            continue
        key = f"GELDHULP_{f.name.upper()}"
        if key in env:
            values[f.name] = _cast(f.name, env[key], f.type)
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.is_development:
        for name in ("secret_key", "pseudonym_key", "rasa_channel_token"):
            if getattr(settings, name) in ("", PLACEHOLDER):
                raise SettingsError(f"GELDHULP_{name.upper()} must be set outside development")
    return settings
