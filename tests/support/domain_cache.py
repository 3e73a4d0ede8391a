"""Read the domain's responses once per test process, not once per app the tests start.

Every ``create_app`` reads the whole domain (about 0.17 s of CPU); the integration tests start
hundreds of apps. ``cached_load`` stands in for ``TextCatalog.load`` during a test run: it parses
the files with the real loader the first time and again whenever a file changed (the cache key is
every file's path, size and modification time), and hands each caller its own catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.texts import DOMAIN_DIR, TextCatalog

_Key = tuple[str, tuple[tuple[str, int, int], ...]]
_parsed: dict[_Key, TextCatalog] = {}


def _key(domain_dir: Path) -> _Key:
    files = sorted(domain_dir.rglob("*.yml")) if domain_dir.is_dir() else [domain_dir]
    stats = tuple((str(p), (s := p.stat()).st_size, s.st_mtime_ns) for p in files)
    return str(domain_dir.resolve()), stats


def cached_loader(real_load: Callable[[Path], TextCatalog]) -> Callable[..., TextCatalog]:
    """A ``TextCatalog.load`` that calls ``real_load`` only for a domain it has not read as is."""

    def load(cls: type[TextCatalog], domain_dir: Path = DOMAIN_DIR) -> TextCatalog:
        key = _key(domain_dir)
        if key not in _parsed:
            _parsed[key] = real_load(domain_dir)
        responses: Mapping[str, Any] = _parsed[key]._responses  # noqa: SLF001 - our own class
        return cls(responses)  # a catalog of its own (it copies the mapping)

    return load


def install() -> Callable[[], None]:
    """Make ``TextCatalog.load`` the cached one; return what puts the real one back."""
    real = TextCatalog.__dict__["load"]
    TextCatalog.load = classmethod(cached_loader(TextCatalog.load))  # type: ignore[method-assign,assignment]

    def restore() -> None:
        TextCatalog.load = real  # type: ignore[method-assign]

    return restore
