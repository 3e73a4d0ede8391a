"""The plan's link: an unguessable token the resident keeps, stored by us only as its hash."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 24  # 192 bits: 32 URL-safe characters
_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_token() -> str:
    """A fresh random token for a plan link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The only form in which a token is stored (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """True when ``token`` could be one of ours (others are not looked up at all)."""
    return bool(_SHAPE.fullmatch(token))
