"""Staff passwords: scrypt hashes with a per-user salt, checked in constant time.

A hash keeps its work factor: ``scrypt$<N>$<salt>$<digest>``, so the factor can be raised later
and every stored hash still checks; a login with a hash below today's factor stores a new one.
Hashes from before this format (``scrypt$<salt>$<digest>``) were made with N = 2**14 and still
check.

N is 2**14 (16 MiB, about 50 ms per check on one core). A development or test machine may ask
for a smaller N with GELDHULP_TEST_PASSWORD_COST (the test suite does, as Django's own test
settings use a fast hasher: a few thousand logins and accounts per run cost minutes of CPU at
full strength); everywhere else (GELDHULP_ENV production, staging, ...) that variable is ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

COST = 2**14  # scrypt's N for new hashes
LEGACY_COST = 2**14  # the N of the three-part hashes made before the factor was stored
TEST_COST_ENV = "GELDHULP_TEST_PASSWORD_COST"
_R, _P, _LENGTH = 8, 1, 32


def cost() -> int:
    """N for a new hash: COST, or a smaller one asked for on a development or test machine."""
    if os.environ.get("GELDHULP_ENV", "development") not in ("development", "test"):
        return COST
    asked = os.environ.get(TEST_COST_ENV, "")
    n = int(asked) if asked.isdigit() else COST
    return n if _usable(n) else COST


def _usable(n: int) -> bool:
    """scrypt takes a power of two above 1; never above today's factor (no stored hash can make
    a check cost more than a login should)."""
    return 2 <= n <= COST and not n & (n - 1)


def _digest(password: str, salt: bytes, n: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=_R, p=_P, dklen=_LENGTH)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """scrypt with a per-user salt; the work factor is part of the hash."""
    salt, n = salt or secrets.token_bytes(16), cost()
    return f"scrypt${n}${salt.hex()}${_digest(password, salt, n).hex()}"


def dummy_hash() -> str:
    """A hash no password matches, at today's work factor: an unknown account is checked
    against it, so it costs the same time as a known one."""
    return f"scrypt${cost()}$00$00"


def needs_rehash(stored: str) -> bool:
    """A hash made with a smaller factor than today's (or before the factor was stored): the
    login that just checked it stores a new one (as Django upgrades hashes at login)."""
    parts = stored.split("$")
    if parts[0] != "scrypt":
        return False  # a disabled account keeps its marker
    return len(parts) != 4 or not parts[1].isdigit() or int(parts[1]) < cost()


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check with the hash's own work factor (a malformed hash never matches)."""
    parts = stored.split("$")
    try:
        if len(parts) == 4:
            n, salt_hex, digest_hex = int(parts[1]), parts[2], parts[3]
        else:
            (_scheme, salt_hex, digest_hex), n = parts, LEGACY_COST
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if not _usable(n):
        return False
    return hmac.compare_digest(_digest(password, salt or b"0", n).hex(), digest_hex)
