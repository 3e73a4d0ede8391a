"""Hostile files: each gives its own clear error, in bounded time and memory.

Each file is read in a child process whose address space is capped (RLIMIT_AS) and whose CPU
time is capped (RLIMIT_CPU): a file that made the reader blow up would kill the child instead
of passing. Nothing here loads the OCR models: every one of these is refused before OCR.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.letters.errors import BrokenFile, FileTooLarge, ImageTooLarge, PdfTooLarge, UnsupportedFile
from bot.letters.read import read_letter
from tests.letters import hostile

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
resource.setrlimit(resource.RLIMIT_CPU, (60, 60))
from bot.letters.read import read_letter
data = open(sys.argv[1], "rb").read()
try:
    read_letter(data, sys.argv[2] or None)
    print(json.dumps({"error": None}))
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__}))
"""


def read_in_child(tmp_path: Path, data: bytes, content_type: str = "") -> str | None:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    done = subprocess.run(  # noqa: S603 - our interpreter, our code
        [sys.executable, "-c", CHILD, str(path), content_type],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["error"]


def test_a_program_renamed_jpg(tmp_path: Path) -> None:
    program = Path(sys.executable).read_bytes()[:200_000]  # an ELF executable
    assert read_in_child(tmp_path, program, "image/jpeg") == "UnsupportedFile"


@pytest.mark.parametrize(
    "data",
    [b"<html><body>brief</body></html>", b"PK\x03\x04" + b"\x00" * 100, b"MZ" + b"\x00" * 100],
    ids=["html", "zip", "windows-exe"],
)
def test_other_files_are_not_letters(data: bytes) -> None:
    with pytest.raises(UnsupportedFile):
        read_letter(data, "image/png")


def test_a_content_type_that_lies_about_pdf_or_image() -> None:
    with pytest.raises(UnsupportedFile):
        read_letter(hostile.jpeg(), "application/pdf")


def test_a_30_mb_file(tmp_path: Path) -> None:
    big = hostile.jpeg() + b"\x00" * (30 * 1024 * 1024)
    assert read_in_child(tmp_path, big, "image/jpeg") == "FileTooLarge"
    with pytest.raises(FileTooLarge):
        read_letter(big, "image/jpeg")


def test_a_decompression_bomb_image(tmp_path: Path) -> None:
    assert read_in_child(tmp_path, hostile.png_bomb(), "image/png") == "ImageTooLarge"
    with pytest.raises(ImageTooLarge):
        read_letter(hostile.png_bomb(20_000, 20_000), "image/png")


@pytest.mark.parametrize(
    "data",
    [
        hostile.jpeg()[:1500],
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 50,
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,
    ],
    ids=["truncated-jpeg", "png-garbage", "jpeg-header-only"],
)
def test_a_broken_image(data: bytes) -> None:
    with pytest.raises(BrokenFile):
        read_letter(data, None)


def test_a_pdf_with_thousands_of_pages(tmp_path: Path) -> None:
    assert read_in_child(tmp_path, hostile.pdf_pages(5000), "application/pdf") == "PdfTooLarge"


def test_a_pdf_with_a_giant_page() -> None:
    with pytest.raises(PdfTooLarge):
        read_letter(hostile.pdf_pages(1, (14400, 14400)), "application/pdf")


def test_a_pdf_nested_too_deeply(tmp_path: Path) -> None:
    assert read_in_child(tmp_path, hostile.pdf_deep_nesting(), "application/pdf") == "PdfTooLarge"


def test_a_pdf_whose_content_inflates_to_hundreds_of_megabytes(tmp_path: Path) -> None:
    bomb = hostile.pdf_zip_bomb(300)
    assert len(bomb) < 2 * 1024 * 1024  # small on the wire
    assert read_in_child(tmp_path, bomb, "application/pdf") == "PdfTooLarge"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n" + b"\x00" * 200, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n"],
    ids=["zeros", "no-pages"],
)
def test_a_broken_pdf(data: bytes) -> None:
    with pytest.raises(BrokenFile):
        read_letter(data, "application/pdf")


def test_an_empty_file() -> None:
    with pytest.raises(UnsupportedFile):
        read_letter(b"", None)
