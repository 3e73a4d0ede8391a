"""Why a file a resident sent was not kept.

    MediaError
    ├── MediaRefused      the file itself: `code` is "unsupported", "too_large" or "broken"
    └── MediaUnavailable  the channel would not give it to us (network, expired id, auth)

Both carry a short ``code`` for the logs and the kind answer; never the file's content or name.
"""

from __future__ import annotations


class MediaError(Exception):
    """A resident's file that we do not keep."""

    code = "media"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or self.code)
        if code is not None:
            self.code = code


class MediaRefused(MediaError):
    """The file is of a kind we do not take, too large, or broken."""

    code = "unsupported"


class MediaUnavailable(MediaError):
    """The channel's file could not be fetched (it may be retried by the resident)."""

    code = "unavailable"
