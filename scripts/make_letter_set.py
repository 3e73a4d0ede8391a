"""Make the letter set: render the team's letters, then make them look photographed.

The letters are written by the team in tests/letters/data/sources/*.yml (invented senders,
people and numbers; IBANs and BSNs with valid check digits), with the truth per field. This
script checks each truth against its letter's text, lays the letter out on an A4 page (four
layouts), and writes it as a phone photo (JPEG: tilt, perspective, uneven light, shadow,
blur, noise, compression), a flatbed scan (PNG), a PDF with a text layer, or a scanned PDF.
Deterministic: the same sources give the same files.

    .venv/bin/python scripts/make_letter_set.py [--only ID] [--out DIR]

Needs Debian's fonts-liberation (Liberation Sans and Serif, metric twins of Helvetica/Times).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import sys
import zlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "letters" / "data"
SOURCES = DATA / "sources"
FONT_DIR = Path("/usr/share/fonts/truetype/liberation")
FONTS = {
    ("sans", False): ("LiberationSans-Regular.ttf", "Helvetica"),
    ("sans", True): ("LiberationSans-Bold.ttf", "Helvetica-Bold"),
    ("serif", False): ("LiberationSerif-Regular.ttf", "Times-Roman"),
    ("serif", True): ("LiberationSerif-Bold.ttf", "Times-Bold"),
}
PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MONTHS = [
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
]  # fmt: skip
DAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
BAND_COLOURS = [(22, 60, 120), (0, 110, 90), (140, 30, 50), (60, 60, 60), (200, 90, 0)]


def load_letters() -> list[dict[str, Any]]:
    """Every letter from the source files, in file order."""
    letters: list[dict[str, Any]] = []
    for path in sorted(SOURCES.glob("*.yml")):
        letters.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return letters


# --- checking the truth against the text -------------------------------------------------------


def letter_text(letter: dict[str, Any]) -> str:
    """All text printed on the letter, in reading order."""
    parts: list[str] = [letter["sender"]["name"], *letter["sender"].get("lines", [])]
    parts += letter.get("recipient", [])
    parts += [letter.get("title", ""), letter.get("place_date", "")]
    parts += [f"{k}: {v}" for k, v in letter.get("meta", [])]
    parts += [letter.get("subject", ""), *letter.get("body", [])]
    parts += [f"{k} {v}" for k, v in letter.get("table", [])]
    parts += [*letter.get("after", []), *letter.get("closing", []), letter.get("footer", "")]
    return "\n".join(p for p in parts if p)


def dutch_amount(value: str) -> str:
    whole, cents = f"{Decimal(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{'.'.join(groups)},{cents}"


def dutch_dates(value: date) -> list[str]:
    return [
        f"{value.day} {MONTHS[value.month - 1]} {value.year}",
        f"{value.day} {MONTHS[value.month - 1]}",
        f"{value.day:02d}-{value.month:02d}-{value.year}",
    ]


def check(letter: dict[str, Any]) -> list[str]:
    """Problems with a letter's truth: each printed figure must be on the letter."""
    problems = []
    text = letter_text(letter)
    truth = letter["truth"]
    written = dutch_amount(truth["amount_due"] or "0")
    forms = [written, written.replace(",00", ",-")]
    if truth["amount_due"] and not any(form in text for form in forms):
        problems.append(f"amount {truth['amount_due']} not in the text")
    for key in ("letter_date", "event_date"):
        if truth[key] and not any(d in text for d in dutch_dates(date.fromisoformat(truth[key]))):
            problems.append(f"{key} {truth[key]} not in the text")
    if truth["deadline"]:
        deadline = date.fromisoformat(truth["deadline"])
        printed = any(d in text for d in dutch_dates(deadline))
        if not printed and not re.search(r"binnen\s+\S+\s+(?:dagen|weken|werkdagen)", text):
            problems.append(f"deadline {truth['deadline']} neither printed nor computable")
    if truth["iban"] and truth["iban"] not in re.sub(r"\s", "", text):
        problems.append("iban not in the text")
    for match in re.finditer(
        rf"\b({'|'.join(DAYS)})\s+(\d{{1,2}})\s+({'|'.join(MONTHS)})\s+(\d{{4}})", text
    ):
        day = date(int(match.group(4)), MONTHS.index(match.group(3)) + 1, int(match.group(2)))
        if DAYS[day.weekday()] != match.group(1):
            problems.append(f"{match.group(0)} is a {DAYS[day.weekday()]}")
    urgent = truth["kind"] in {"dagvaarding", "beslag", "ontruiming", "afsluiting"}
    if truth["urgent"] != urgent:
        problems.append("urgent does not follow the kind")
    return problems


# --- layout: a letter as drawing operations in points ------------------------------------------


@dataclass
class Op:
    kind: str  # "text" or "rect"
    x: float
    y: float  # top of the text box, points from the top of the page
    text: str = ""
    size: float = 10.0
    bold: bool = False
    family: str = "sans"
    colour: tuple[int, int, int] = (20, 20, 20)
    w: float = 0.0
    h: float = 0.0


@dataclass
class Page:
    ops: list[Op] = field(default_factory=list)


_MEASURE: dict[tuple[str, bool], ImageFont.FreeTypeFont] = {}


def text_width(text: str, size: float, family: str, bold: bool) -> float:
    key = (family, bold)
    if key not in _MEASURE:
        _MEASURE[key] = ImageFont.truetype(str(FONT_DIR / FONTS[key][0]), 100)
    return _MEASURE[key].getlength(text) * size / 100


class Writer:
    """Lays out lines and paragraphs top to bottom."""

    def __init__(self, family: str, left: float = 62, right: float = 533) -> None:
        self.page = Page()
        self.family = family
        self.left, self.right = left, right
        self.y = 60.0

    def text(
        self, x: float, y: float, text: str, size: float = 10, bold: bool = False, **kw: Any
    ) -> None:
        self.page.ops.append(
            Op(
                "text",
                x,
                y,
                text,
                size,
                bold,
                kw.get("family", self.family),
                kw.get("colour", (20, 20, 20)),
            )
        )

    def rect(self, x: float, y: float, w: float, h: float, colour: tuple[int, int, int]) -> None:
        self.page.ops.append(Op("rect", x, y, colour=colour, w=w, h=h))

    def line(self, text: str, size: float = 10, bold: bool = False, gap: float = 1.45) -> None:
        self.text(self.left, self.y, text, size, bold)
        self.y += size * gap

    def right_aligned(self, text: str, size: float, y: float, bold: bool = False) -> None:
        self.text(self.right - text_width(text, size, self.family, bold), y, text, size, bold)

    def paragraph(self, text: str, size: float = 10.5, width: float | None = None) -> None:
        width = width or (self.right - self.left)
        words, current = text.split(), ""
        for word in words:
            trial = f"{current} {word}".strip()
            if text_width(trial, size, self.family, False) > width and current:
                self.line(current, size, gap=1.4)
                current = word
            else:
                current = trial
        if current:
            self.line(current, size, gap=1.4)
        self.y += size * 0.6

    def table(self, rows: list[list[str]], size: float = 10.0, indent: float = 18) -> None:
        self.y += 4
        for i, (label, amount) in enumerate(rows):
            last = i == len(rows) - 1 and re.search(
                r"totaal|te betalen|openstaand|nog te", label, re.I
            )
            if last:
                self.rect(
                    self.left + indent,
                    self.y - 3,
                    self.right - self.left - indent - 40,
                    0.8,
                    (60, 60, 60),
                )
            self.text(self.left + indent, self.y, label, size, bool(last))
            self.right_aligned(amount, size, self.y, bool(last))
            self.y += size * 1.55
        self.y += 8


def layout(letter: dict[str, Any], rng: np.random.Generator) -> Page:
    style = letter.get("layout", "classic")
    family = letter.get("font", "sans")
    w = Writer(family, right=533 - 40 * (style == "classic"))
    sender = letter["sender"]
    if style == "band":
        colour = BAND_COLOURS[int(rng.integers(len(BAND_COLOURS)))]
        w.rect(0, 0, PAGE_W, 78, colour)
        w.text(62, 26, sender["name"], 17, True, colour=(255, 255, 255))
        for i, line in enumerate(sender.get("lines", [])[:3]):
            w.text(390, 18 + i * 12, line, 8.5, colour=(235, 235, 235))
        w.y = 120
    elif style == "form":
        w.rect(62, 52, 22, 22, (30, 70, 140))
        w.text(92, 54, sender["name"], 12.5, True)
        for i, line in enumerate(sender.get("lines", [])):
            w.text(92, 72 + i * 12, line, 8.5)
        for i, line in enumerate(letter.get("recipient", [])):
            w.text(340, 120 + i * 14, line, 10)
        w.y = 210
    elif style == "exploot":
        name = sender["name"]
        w.text((PAGE_W - text_width(name, 14, family, True)) / 2, 48, name, 14, True)
        details = " · ".join(sender.get("lines", []))
        w.text((PAGE_W - text_width(details, 8.5, family, False)) / 2, 68, details, 8.5)
        w.rect(62, 86, 471, 0.8, (40, 40, 40))
        w.y = 110
    else:
        w.text(62, 50, sender["name"], 16, True)
        for i, line in enumerate(sender.get("lines", [])):
            w.text(62, 72 + i * 12, line, 8.5)
        w.y = 150
    if style != "form":
        top = w.y
        for line in letter.get("recipient", []):
            w.line(line, 10, gap=1.4)
        meta_y = top
        for key, value in letter.get("meta", []):
            w.text(345, meta_y, f"{key}: {value}", 9)
            meta_y += 13
        w.y = max(w.y, meta_y) + 22
    if letter.get("title"):
        size = 17 if style == "form" else 14
        x = (
            w.left
            if style == "form"
            else (PAGE_W - text_width(letter["title"], size, family, True)) / 2
        )
        w.text(x, w.y, letter["title"], size, True)
        w.y += size * 2
    if style == "form" and letter.get("meta"):
        rows = letter["meta"]
        w.rect(w.left, w.y - 6, 471, 14 * len(rows) + 10, (232, 236, 242))
        for key, value in rows:
            w.text(w.left + 10, w.y, f"{key}", 9.5)
            w.text(w.left + 190, w.y, f"{value}", 9.5, True)
            w.y += 14
        w.y += 20
    if letter.get("place_date"):
        w.line(letter["place_date"], 10)
        w.y += 8
    if letter.get("subject"):
        w.line(letter["subject"], 11, True)
        w.y += 8
    for paragraph in letter.get("body", []):
        w.paragraph(paragraph)
    if letter.get("table"):
        w.table(letter["table"])
    for paragraph in letter.get("after", []):
        w.paragraph(paragraph)
    w.y += 6
    for line in letter.get("closing", []):
        w.line(line, 10.5, gap=1.4)
    if letter.get("footer"):
        footer = letter["footer"]
        w.text(
            (PAGE_W - text_width(footer, 7.5, family, False)) / 2,
            810,
            footer,
            7.5,
            colour=(90, 90, 90),
        )
    if w.y > 800:
        raise SystemExit(f"{letter['id']}: the letter does not fit on one page ({w.y:.0f} pt)")
    return w.page


# --- output: raster, PDF, photo -----------------------------------------------------------------


def render(page: Page, dpi: float = 150) -> Image.Image:
    scale = dpi / 72
    image = Image.new("RGB", (round(PAGE_W * scale), round(PAGE_H * scale)), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[tuple[str, bool, float], ImageFont.FreeTypeFont] = {}
    for op in page.ops:
        if op.kind == "rect":
            draw.rectangle(
                [op.x * scale, op.y * scale, (op.x + op.w) * scale, (op.y + op.h) * scale],
                fill=op.colour,
            )
            continue
        key = (op.family, op.bold, op.size)
        if key not in fonts:
            fonts[key] = ImageFont.truetype(
                str(FONT_DIR / FONTS[(op.family, op.bold)][0]), round(op.size * scale)
            )
        draw.text((op.x * scale, op.y * scale), op.text, fill=op.colour, font=fonts[key])
    return image


def pdf_bytes(page: Page) -> bytes:
    """A one-page PDF with a real text layer (standard fonts, WinAnsi encoding)."""
    names = {key: f"F{i + 1}" for i, key in enumerate(FONTS)}
    stream = []
    for op in page.ops:
        r, g, b = (c / 255 for c in op.colour)
        if op.kind == "rect":
            stream.append(
                f"{r:.3f} {g:.3f} {b:.3f} rg {op.x:.2f} {PAGE_H - op.y - op.h:.2f} {op.w:.2f} {op.h:.2f} re f"
            )
            continue
        raw = op.text.encode("cp1252", errors="replace")
        escaped = "".join(
            f"\\{c:03o}" if c > 126 or c < 32 else ("\\" + chr(c) if chr(c) in "()\\" else chr(c))
            for c in raw
        )
        baseline = PAGE_H - op.y - op.size * 0.9
        font = names[(op.family, op.bold)]
        stream.append(
            f"BT {r:.3f} {g:.3f} {b:.3f} rg /{font} {op.size:.1f} Tf 1 0 0 1 {op.x:.2f} {baseline:.2f} Tm ({escaped}) Tj ET"
        )
    content = zlib.compress("\n".join(stream).encode("latin-1"))
    fonts = " ".join(f"/{names[k]} {5 + i} 0 R" for i, k in enumerate(FONTS))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W:.0f} {PAGE_H:.0f}] /Resources << /Font << {fonts} >> >> /Contents 4 0 R >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content)
        + content
        + b"\nendstream",
    ]
    objects += [
        f"<< /Type /Font /Subtype /Type1 /BaseFont /{FONTS[k][1]} /Encoding /WinAnsiEncoding >>".encode()
        for k in FONTS
    ]
    return assemble_pdf(objects)


def assemble_pdf(objects: list[bytes]) -> bytes:
    """Numbered objects 1..n (object 1 the catalog) with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def photograph(page: Image.Image, rng: np.random.Generator, hard: bool) -> np.ndarray:
    """A phone photo of the page on a table: tilt, perspective, light, shadow, blur, noise."""
    paper = np.asarray(page).astype(np.float32)
    paper *= rng.uniform(0.9, 1.0, 3)[None, None, :]  # paper tint
    h, w = paper.shape[:2]
    margin = rng.uniform(0.08, 0.2)
    cw, ch = int(w * (1 + 2 * margin)), int(h * (1 + 2 * margin))
    base = np.array([rng.uniform(60, 170), rng.uniform(50, 140), rng.uniform(40, 120)], np.float32)
    canvas = np.ones((ch, cw, 3), np.float32) * base
    grain = cv2.GaussianBlur(rng.normal(0, 18, (ch // 8, cw // 8)).astype(np.float32), (0, 0), 2)
    canvas += cv2.resize(grain, (cw, ch))[:, :, None]
    angle = np.radians(rng.uniform(-9, 9) if hard else rng.uniform(-4, 4))
    jitter = (0.07 if hard else 0.035) * w
    centre = np.array([cw / 2, ch / 2])
    corners = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    target = corners @ rotation.T + centre + rng.uniform(-jitter, jitter, (4, 2))
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, target.astype(np.float32))
    warped = cv2.warpPerspective(paper, matrix, (cw, ch), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (cw, ch))[:, :, None]
    image = warped * mask + canvas * (1 - mask)
    # light from one side, and sometimes a shadow of the phone or a hand
    yy, xx = np.mgrid[0:ch, 0:cw].astype(np.float32)
    direction = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(direction) * xx / cw + np.sin(direction) * yy / ch
    ramp = (ramp - ramp.min()) / max(1e-6, ramp.max() - ramp.min())
    low = rng.uniform(0.55, 0.75) if hard else rng.uniform(0.75, 0.92)
    image *= (low + (1 - low) * ramp)[:, :, None]
    if hard or rng.random() < 0.4:
        shadow = np.zeros((ch, cw), np.float32)
        x0 = rng.uniform(0.3, 0.8) * cw
        pts = np.array(
            [
                [x0, ch],
                [x0 + rng.uniform(0.1, 0.3) * cw, ch],
                [cw, rng.uniform(0.4, 0.8) * ch],
                [cw, ch],
            ],
            np.int32,
        )
        cv2.fillConvexPoly(shadow, pts, 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), 25)
        image *= (1 - rng.uniform(0.25, 0.45) * shadow)[:, :, None]
    sigma = rng.uniform(0.9, 1.6) if hard else rng.uniform(0.3, 1.0)
    image = cv2.GaussianBlur(image, (0, 0), sigma)
    image += rng.normal(0, 5 if hard else 3, image.shape).astype(np.float32)
    side = int(rng.uniform(1500, 1900))
    scale = side / max(image.shape[:2])
    image = cv2.resize(
        image,
        (int(image.shape[1] * scale), int(image.shape[0] * scale)),
        interpolation=cv2.INTER_AREA,
    )
    return np.clip(image, 0, 255).astype(np.uint8)


def scan(page: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A flatbed scan: grey, a little crooked, a few grey levels."""
    grey = page.convert("L").rotate(
        rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, expand=True, fillcolor=255
    )
    array = np.asarray(grey).astype(np.float32)
    array = cv2.GaussianBlur(array, (0, 0), 0.6)
    array = np.round(array / 32) * 32
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def jpeg(image: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def make(letter: dict[str, Any], out: Path) -> Path:
    seed = int(hashlib.sha256(letter["id"].encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng(seed)
    page = layout(letter, rng)
    form = letter.get("format", "jpg")
    hard = letter.get("hard", bool(rng.random() < 0.3))
    if form == "pdf_text":
        path, data = out / f"{letter['id']}.pdf", pdf_bytes(page)
    elif form == "pdf_scan":
        scanned = scan(render(page, 150), rng)
        buffer = io.BytesIO()
        scanned.save(buffer, "PDF", resolution=150.0)
        path, data = out / f"{letter['id']}.pdf", buffer.getvalue()
    elif form == "png":
        buffer = io.BytesIO()
        scan(render(page, 150), rng).save(buffer, "PNG", optimize=True)
        path, data = out / f"{letter['id']}.png", buffer.getvalue()
    else:
        photo = photograph(render(page, 200), rng, hard)
        quality = int(rng.integers(45, 62) if hard else rng.integers(58, 78))
        path, data = out / f"{letter['id']}.jpg", jpeg(photo, quality)
    path.write_bytes(data)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="make one letter (its id)")
    parser.add_argument("--out", type=Path, default=DATA / "letters")
    args = parser.parse_args()
    letters = load_letters()
    ids = [letter["id"] for letter in letters]
    if len(ids) != len(set(ids)):
        raise SystemExit("duplicate letter ids")
    failed = False
    for letter in letters:
        for problem in check(letter):
            print(f"{letter['id']}: {problem}")
            failed = True
    if failed:
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for letter in letters:
        if args.only and letter["id"] != args.only:
            continue
        path = make(letter, args.out)
        total += path.stat().st_size
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    print(f"{len(letters)} letters, {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
