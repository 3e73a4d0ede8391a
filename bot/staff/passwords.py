"""Staff passwords: scrypt hashes with a per-user salt, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

DUMMY_HASH = "scrypt$00$00"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """scrypt with a per-user salt."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check (also computed for unknown users, against a dummy)."""
    try:
        _scheme, salt_hex, digest_hex = stored.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    digest = hashlib.scrypt(password.encode(), salt=salt or b"0", n=2**14, r=8, p=1, dklen=32)
    return hmac.compare_digest(digest.hex(), digest_hex)
