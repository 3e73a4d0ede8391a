"""The facts the privacy answer ("wie leest dit?") states, taken from the real settings.

`utter_privacy` in domain/privacy.yml has the placeholders; `action_privacy` fills them with
`privacy_values`, so what residents are told is what the purge does.
"""

from __future__ import annotations

from bot.privacy.retention import RetentionPolicy
from bot.settings import Settings


def retention_words(days: int) -> str:
    """Days as the answer says them: "1 dag", "90 dagen"."""
    return "1 dag" if days == 1 else f"{days} dagen"


def privacy_values(settings: Settings, municipality_code: str | None = None) -> dict[str, str]:
    """Placeholder values of `utter_privacy` for a resident of this municipality (None: unknown)."""
    policy = RetentionPolicy.from_settings(settings)
    return {"privacy_retention": retention_words(policy.days(municipality_code))}


def render_answer(settings: Settings, municipality_code: str | None = None) -> str:
    """The privacy answer as a resident reads it, for these settings (docs and reviews)."""
    from bot.texts import TextCatalog

    values = privacy_values(settings, municipality_code)
    return TextCatalog.load().render("utter_privacy", **values).text
