"""`geldhulp letter read FILE [--json]`: read a letter with the same code the chat uses."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".webp": "image/webp",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`letter read FILE [--json]`."""
    sub = parser.add_subparsers(dest="letter_command", required=True)
    read = sub.add_parser(
        "read", help="read a photographed or scanned letter (JPEG, PNG, WebP, PDF)"
    )
    read.add_argument("file", type=Path, help="the photo or PDF")
    read.add_argument("--json", action="store_true", help="print one JSON object with the fields")
    read.add_argument("--threads", type=int, default=0, help="ONNX Runtime threads (0: all cores)")


def run(args: argparse.Namespace) -> int:
    """Read the file; print JSON or the B1 explanation. Exit 2 for a file we do not read."""
    from bot.letters.errors import LetterError
    from bot.letters.explain import error_reply, explain
    from bot.letters.read import read_letter
    from bot.texts import TextCatalog

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    texts = None if args.json else TextCatalog.load()
    try:
        reading = read_letter(data, _CONTENT_TYPES.get(path.suffix.lower()), threads=args.threads)
    except LetterError as exc:
        if args.json:
            print(json.dumps({"error": exc.code, "message": str(exc)}))
        else:
            assert texts is not None
            print(error_reply(exc, texts).text)
        return 2
    if args.json:
        print(json.dumps(reading.to_json(), ensure_ascii=False))
        return 0
    assert texts is not None
    for message in explain(reading, texts):
        print(message.text)
        for title, payload in message.buttons:
            print(f"  [{title}] {payload}")
        print()
    return 0
