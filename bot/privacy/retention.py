"""How long a municipality keeps chats: the default from settings, or its own number of days.

Read by the retention purge (what to delete) and by the privacy answer (what to tell residents),
so that what the assistant says is what the purge does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.settings import Settings, SettingsError

MIN_DAYS = 1


def parse_overrides(raw: str) -> dict[str, int]:
    """Parse ``"GM0363=30,GM0518=60"`` into ``{"GM0363": 30, "GM0518": 60}``.

    Raises:
        SettingsError: an entry is not ``CODE=DAYS`` or the days are not a whole number ≥ 1.
    """
    out: dict[str, int] = {}
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        code, sep, days = part.partition("=")
        code, days = code.strip().upper(), days.strip()
        if not sep or not code or not days.isdigit() or int(days) < MIN_DAYS:
            raise SettingsError(
                "GELDHULP_RETENTION_DAYS_BY_MUNICIPALITY must look like GM0363=30,GM0518=60"
            )
        out[code] = int(days)
    return out


@dataclass(frozen=True)
class RetentionPolicy:
    """Days to keep transcripts: per municipality code, else the default."""

    default_days: int
    by_municipality: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_days < MIN_DAYS:
            raise SettingsError("GELDHULP_TRANSCRIPT_RETENTION_DAYS must be at least 1")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        """The policy the settings describe."""
        return cls(
            settings.transcript_retention_days,
            parse_overrides(settings.retention_days_by_municipality),
        )

    def days(self, municipality_code: str | None) -> int:
        """Days kept for conversations of this municipality (None: not known yet)."""
        if municipality_code and municipality_code.upper() in self.by_municipality:
            return self.by_municipality[municipality_code.upper()]
        return self.default_days

    def cutoff(self, municipality_code: str | None, now: datetime) -> datetime:
        """Everything of this municipality older than this moment goes."""
        return now - timedelta(days=self.days(municipality_code))

    def strictest_cutoff(self, now: datetime) -> datetime:
        """The most recent cutoff of all (for data that carries no municipality)."""
        return now - timedelta(days=min([self.default_days, *self.by_municipality.values()]))
