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
    media_key: Secret = Secret(
        ""
    )  # residents' files at rest: 32 bytes, hex or base64 (docs/media.md)
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
    # languages (issue 17) besides Dutch, switched on per municipality:
    # "GM0363=en,tr,ar;GM0518=en" (Dutch is always on); municipalities not listed, and a
    # conversation whose municipality is not known yet, get languages_default. Off by default:
    # a native speaker reviews a language's texts before it is switched on (docs/languages.md).
    languages_by_municipality: str = ""
    languages_default: str = ""

    @property
    def is_development(self) -> bool:
        """True for local development and tests."""
        return self.env in {"development", "test"}


LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")


def _language_list(raw: str, where: str) -> frozenset[str]:
    codes = frozenset(c.strip().lower() for c in raw.split(",") if c.strip())
    unknown = sorted(codes - set(LANGUAGES))
    if unknown:
        raise SettingsError(f"{where}: unknown language {', '.join(unknown)} (use {LANGUAGES})")
    return codes | {"nl"}


def languages_by_municipality(settings: Settings) -> dict[str, frozenset[str]]:
    """The languages each listed municipality switched on (Dutch always included)."""
    found: dict[str, frozenset[str]] = {}
    for part in settings.languages_by_municipality.split(";"):
        if not part.strip():
            continue
        code, sep, codes = part.partition("=")
        if not sep or not code.strip():
            raise SettingsError(
                "GELDHULP_LANGUAGES_BY_MUNICIPALITY must look like GM0363=en,tr;GM0518=en"
            )
        found[code.strip().upper()] = _language_list(codes, "GELDHULP_LANGUAGES_BY_MUNICIPALITY")
    return found


def languages_for(settings: Settings, municipality_code: str | None) -> frozenset[str]:
    """The languages switched on for ``municipality_code`` (the default when unknown)."""
    listed = languages_by_municipality(settings)
    if municipality_code and municipality_code.upper() in listed:
        return listed[municipality_code.upper()]
    return _language_list(settings.languages_default, "GELDHULP_LANGUAGES_DEFAULT")


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
    languages_for(settings, None)  # a wrong language setting stops the start, with its name
    languages_by_municipality(settings)
    if not settings.is_development:
        for name in ("secret_key", "pseudonym_key", "rasa_channel_token", "media_key"):
            if getattr(settings, name) in ("", PLACEHOLDER):
                raise SettingsError(f"GELDHULP_{name.upper()} must be set outside development")
    return settings
