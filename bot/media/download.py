"""Fetching what residents send from their channel, with the size limit before and during.

Telegram: ``getFile`` gives a file path, downloaded from ``/file/bot<token>/<path>``.
WhatsApp Cloud API: the media id gives a short-lived URL (``GET /<media-id>``), downloaded with
the same bearer token. The size the channel announces is checked first; the download stops as
soon as it passes the limit, whatever was announced. Every call has a timeout.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import aiohttp

from bot.media.errors import MediaRefused, MediaUnavailable
from bot.media.sniff import MAX_BYTES

logger = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10, sock_read=20)
CHUNK = 64 * 1024


class Source(Protocol):
    """Where a channel's files come from."""

    async def fetch(self, ref: dict[str, Any]) -> bytes:
        """The file's bytes. Raises MediaRefused (too_large) or MediaUnavailable."""


def _announced(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_announced(size: Any, max_bytes: int) -> None:
    """Refuse before downloading when the channel says the file is too large."""
    announced = _announced(size)
    if announced is not None and announced > max_bytes:
        raise MediaRefused(f"announced {announced} bytes", code="too_large")


async def read_limited(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The body, stopping as soon as it grows past ``max_bytes`` (Content-Length checked first)."""
    check_announced(response.headers.get("Content-Length"), max_bytes)
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise MediaRefused("grew past the limit while downloading", code="too_large")
    return bytes(body)


class TelegramSource:
    """Telegram's Bot API files (``getFile``, then the file path with the bot token)."""

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, token: str, max_bytes: int = MAX_BYTES
    ) -> None:
        self._http, self._token, self.max_bytes = http, token, max_bytes
        self._api = base_url.rstrip("/")
        root = self._api[: -len("/bot")] if self._api.endswith("/bot") else self._api
        self._files = f"{root}/file/bot"

    async def fetch(self, ref: dict[str, Any]) -> bytes:
        """Download one file by its ``file_id``."""
        check_announced(ref.get("size"), self.max_bytes)
        file_id = str(ref.get("id") or "")
        if not file_id:
            raise MediaUnavailable("no file id")
        try:
            async with self._http.post(
                f"{self._api}{self._token}/getFile", json={"file_id": file_id}, timeout=TIMEOUT
            ) as resp:
                answer = await resp.json(content_type=None)
            if not isinstance(answer, dict) or not answer.get("ok"):
                raise MediaUnavailable(f"getFile answered {resp.status}")
            result = answer.get("result") or {}
            check_announced(result.get("file_size"), self.max_bytes)
            path = str(result.get("file_path") or "")
            if not path or ".." in path.split("/"):
                raise MediaUnavailable("getFile gave no usable path")
            async with self._http.get(
                f"{self._files}{self._token}/{path}", timeout=TIMEOUT
            ) as resp:
                if resp.status != 200:
                    raise MediaUnavailable(f"file download answered {resp.status}")
                return await read_limited(resp, self.max_bytes)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise MediaUnavailable(exc.__class__.__name__) from exc


class WhatsAppSource:
    """WhatsApp Cloud API media: the id's URL from the Graph API, then the bytes (both with the
    bearer token)."""

    def __init__(
        self, http: aiohttp.ClientSession, graph_url: str, token: str, max_bytes: int = MAX_BYTES
    ) -> None:
        self._http, self._token, self.max_bytes = http, token, max_bytes
        self._graph = graph_url.rstrip("/")

    async def fetch(self, ref: dict[str, Any]) -> bytes:
        """Download one file by its media id."""
        media_id = str(ref.get("id") or "")
        if not media_id or not media_id.replace("_", "").replace("-", "").isalnum():
            raise MediaUnavailable("no usable media id")
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with self._http.get(
                f"{self._graph}/{media_id}", headers=headers, timeout=TIMEOUT
            ) as resp:
                info = await resp.json(content_type=None)
                if resp.status != 200 or not isinstance(info, dict):
                    raise MediaUnavailable(f"media URL answered {resp.status}")
            check_announced(info.get("file_size"), self.max_bytes)
            url = str(info.get("url") or "")
            if not url.startswith(("https://", "http://")):
                raise MediaUnavailable("no media URL")
            async with self._http.get(url, headers=headers, timeout=TIMEOUT) as resp:
                if resp.status != 200:
                    raise MediaUnavailable(f"media download answered {resp.status}")
                return await read_limited(resp, self.max_bytes)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise MediaUnavailable(exc.__class__.__name__) from exc
