"""The OCR runs with no network at all, with the models from the rapidocr wheel, and the
installed versions are the ones pinned in pyproject.toml."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

from tests.letters.conftest import letter_file

ROOT = Path(__file__).resolve().parents[2]
NO_NETWORK = """
import socket
def _refuse(*args, **kwargs):
    raise OSError("network is switched off in this test")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""
PROBE = """
import json, sys
from bot.letters.read import read_letter
reading = read_letter(open(sys.argv[1], "rb").read(), "image/png", threads=2)
print(json.dumps({"engine": reading.engine, **reading.to_json()}))
"""


def test_ocr_reads_a_letter_with_every_socket_refused() -> None:
    done = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", NO_NETWORK + PROBE, str(letter_file("duo_aanmaning_png"))],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    reading = json.loads(done.stdout.strip().splitlines()[-1])
    assert reading["engine"] == "rapidocr"
    assert reading["kind"] == "studieschuld"
    assert reading["amount_due"] == "534.90"


def test_installed_versions_are_the_pinned_ones() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for dist in ("rapidocr", "onnxruntime", "pypdfium2", "pytesseract"):
        pinned = re.search(rf'"{dist}==([^"]+)"', pyproject, re.IGNORECASE)
        assert pinned, f"{dist} is not pinned exactly"
        assert importlib.metadata.version(dist) == pinned.group(1), dist


def test_tesseract_reads_dutch_as_the_fallback() -> None:
    from bot.letters.images import decode
    from bot.letters.layout import to_lines
    from bot.letters.limits import DEFAULT_LIMITS
    from bot.letters.ocr import TesseractReader

    image = decode(letter_file("huur_particulier_herinnering").read_bytes(), DEFAULT_LIMITS)
    pieces = TesseractReader().read(image, 0)
    text = " ".join(line.text for line in to_lines(pieces, {0: float(image.shape[0])}))
    assert "huur" in text.lower()
    assert json.dumps(text)  # plain text out
