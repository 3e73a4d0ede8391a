"""Encryption at rest: AES-256-GCM with a key from the settings (GELDHULP_MEDIA_KEY).

Each file is sealed with a fresh 96-bit nonce and the row's id as associated data, so a
ciphertext copied to another row does not open. The key id (the first 8 bytes of the key's
SHA-256) is stored with the row, so a key change is noticed instead of giving garbage.

Development and tests without a key derive one from the secret key (HKDF) and say so in the
log; outside development a missing or malformed key stops the start.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.media.errors import MediaError
from bot.settings import Settings, SettingsError

logger = logging.getLogger(__name__)
NONCE_BYTES = 12
ENV = "GELDHULP_MEDIA_KEY"


class MediaCipher:
    """Seals and opens files with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a media key has 32 bytes")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(key).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"MediaCipher(key_id={self.key_id!r})"

    def seal(self, data: bytes, row_id: str) -> bytes:
        """Nonce followed by the ciphertext and its tag."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data, row_id.encode())

    def open(self, blob: bytes, row_id: str) -> bytes:
        """The plain bytes. Raises MediaError when the blob was not sealed for this row."""
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], row_id.encode())
        except (InvalidTag, ValueError) as exc:
            raise MediaError("cannot open a stored file", code="undecryptable") from exc


def parse_key(raw: str) -> bytes:
    """A key written as 64 hex digits or as URL-safe base64 of 32 bytes (a Fernet-style key)."""
    raw = raw.strip()
    try:
        key = bytes.fromhex(raw) if len(raw) == 64 else base64.urlsafe_b64decode(raw + "==")
    except (ValueError, binascii.Error) as exc:
        raise SettingsError(f"{ENV} must be 32 bytes as hex or URL-safe base64") from exc
    if len(key) != 32:
        raise SettingsError(f"{ENV} must be 32 bytes as hex or URL-safe base64")
    return key


def cipher_from_settings(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> MediaCipher:
    """The cipher for this deployment. Outside development the key must be set.

    The key is read from ``settings.media_key`` when Settings has that field, else from
    ``settings.extra["media_key"]``, else from the environment variable GELDHULP_MEDIA_KEY.
    A start outside development (GELDHULP_ENV in the environment, as `load_settings` reads it)
    without a key raises SettingsError; production settings built in code (tests) get a derived
    key and an error in the log.
    """
    environ = os.environ if environ is None else environ
    raw = str(
        getattr(settings, "media_key", "")
        or settings.extra.get("media_key")
        or environ.get(ENV, "")
    )
    if raw:
        return MediaCipher(parse_key(raw))
    deployed = environ.get("GELDHULP_ENV", "development") not in ("development", "test")
    if not settings.is_development and deployed:
        # a real start outside development (its settings come from GELDHULP_* variables)
        raise SettingsError(f"{ENV} must be set outside development (files are encrypted)")
    if settings.is_development:
        logger.warning(
            "no %s set: media are encrypted with a key derived from the secret key "
            "(development only; set %s in production)",
            ENV,
            ENV,
        )
    else:  # settings built in code (tests of production behaviour): said loudly, not fatal
        logger.error("no %s set outside development: using a key derived from the secret key", ENV)
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"geldhulp-media", info=b"media key v1"
    ).derive(str(settings.secret_key).encode())
    return MediaCipher(derived)
