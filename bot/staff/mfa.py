"""The second factor for staff: TOTP codes (RFC 6238, `pyotp`), a QR code to set it up
(`segno`), and recovery codes kept only as scrypt hashes.

Required for every staff role outside development (BIO 5.17.01); in development it is asked
only from those who set it up.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time

import pyotp
import segno

from bot.settings import Settings
from bot.staff.passwords import hash_password, verify_password

ISSUER = "Geldhulp"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy from paper


def required(settings: Settings) -> bool:
    """MFA is required for every staff account outside development."""
    return not settings.is_development


def new_secret() -> str:
    """A fresh shared secret (base32, 160 bits)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code as inline SVG markup (no image request, so the strict CSP holds)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, title=title, border=2))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def check_code(
    secret: str, code: str, last_step: int | None, now: float | None = None
) -> int | None:
    """The time step of a valid code (one step of clock drift allowed), or None.

    A code of a step at or before ``last_step`` is refused: each code works once.
    """
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def normalise_recovery(code: str) -> str:
    """A recovery code as stored: lower case, no spaces or dashes."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """Fresh recovery codes to show once, and their hashes to store."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes, [hash_password(normalise_recovery(c)) for c in codes]


def looks_like_recovery(code: str) -> bool:
    """True for something shaped like a recovery code (12 letters/digits)."""
    return len(normalise_recovery(code)) == 12


async def use_recovery_code(stored: list[str], code: str) -> list[str] | None:
    """The stored hashes without the one this code matches, or None when none matches.

    The scrypt checks run in a thread (the event loop never blocks on them).
    """
    given = normalise_recovery(code)

    def find() -> int | None:
        found = None
        for index, hashed in enumerate(stored):  # check all: the time does not tell which
            if verify_password(given, hashed) and found is None:
                found = index
        return found

    index = await asyncio.to_thread(find)
    if index is None:
        return None
    return stored[:index] + stored[index + 1 :]
