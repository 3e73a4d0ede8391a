"""Media: photos, files and voice notes residents send; fetched, checked, kept encrypted.

Used by the channels (web chat uploads), the conversations (the chat flow) and the console
(viewing, audited). Uses only Storage and the Foundation. See docs/media.md.
"""

from bot.media.crypto import MediaCipher, cipher_from_settings
from bot.media.download import Source, TelegramSource, WhatsAppSource
from bot.media.errors import MediaError, MediaRefused, MediaUnavailable
from bot.media.service import Media, check_bytes
from bot.media.sniff import IMAGE, MAX_BYTES, PDF, VOICE, Sniffed, sniff
from bot.media.store import MediaStore, delete_untaken, files_of
from bot.media.tables import MediaFile

__all__ = [
    "IMAGE",
    "MAX_BYTES",
    "PDF",
    "VOICE",
    "Media",
    "MediaCipher",
    "MediaError",
    "MediaFile",
    "MediaRefused",
    "MediaStore",
    "MediaUnavailable",
    "Sniffed",
    "Source",
    "TelegramSource",
    "WhatsAppSource",
    "check_bytes",
    "cipher_from_settings",
    "delete_untaken",
    "files_of",
    "sniff",
]
