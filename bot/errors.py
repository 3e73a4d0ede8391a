"""Errors of the gateway, as one tree (catch at the level you can handle):

GatewayError
├── ChannelError             a channel refused or failed a send
│   ├── RateLimited          429 / 130429 / 131056: retry after ``retry_after`` seconds
│   ├── RecipientGone        blocked the bot, not on WhatsApp: do not retry
│   └── WindowClosed         WhatsApp 24-hour window closed: a template is needed
└── RasaUnavailable          Rasa is down, slow or answered nonsense: retry later
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base of every gateway error."""


class ChannelError(GatewayError):
    """A send failed; ``retryable`` tells whether to try again."""

    retryable = True

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(ChannelError):
    """The channel asked us to slow down."""

    def __init__(self, retry_after: float, *, code: int | None = None) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s", code=code)
        self.retry_after = retry_after


class RecipientGone(ChannelError):
    """The resident blocked the bot or cannot be reached on this channel."""

    retryable = False


class WindowClosed(ChannelError):
    """WhatsApp: more than 24 hours since the resident's last message (error 131047)."""

    retryable = False


class RasaUnavailable(GatewayError):
    """Rasa did not answer in time or answered with an error."""
