"""Keyed, one-way pseudonyms: the same input gives the same id, which reveals nothing."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: str, value: str, *, purpose: str = "analytics", length: int = 16) -> str:
    """Return a stable pseudonymous id for ``value`` (HMAC-SHA256, hex, ``length`` chars).

    ``purpose`` separates name spaces: an analytics id cannot be joined with a log id.
    """
    if not key:
        raise ValueError("a pseudonym key is required")
    mac = hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:length]
