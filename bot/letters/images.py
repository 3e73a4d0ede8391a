"""Photos in: decoded within limits, then straightened, cropped to the page and evened out.

A phone photo of a letter is rarely straight: the page is tilted, seen at an angle, lit from
one side. The OCR reads best from an upright, evenly lit page, so we find the paper (the large
bright shape), undo the perspective, flatten the light by dividing by the background, and
correct the last degrees of tilt from the text lines themselves.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from bot.letters.errors import BrokenFile, ImageTooLarge
from bot.letters.limits import Limits

# the size the page search and the tilt search work at: fast, and enough for a page outline
_SEARCH_SIDE = 640


def decode(data: bytes, limits: Limits) -> np.ndarray:
    """The image as an RGB array, its EXIF rotation applied, never more pixels than allowed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > limits.max_pixels or max(width, height) > 20_000:
            raise ImageTooLarge(f"{width}x{height} pixels")
        if image.format == "JPEG":
            # decode at a reduced scale where the JPEG allows it: less memory, same text
            image.draft("RGB", (limits.ocr_side, limits.ocr_side))
        image.load()
        image = ImageOps.exif_transpose(image) or image
        if image.mode != "RGB":
            image = (
                image.convert("RGBA").convert("RGB") if "A" in image.mode else image.convert("RGB")
            )
        return np.asarray(image)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge("too many pixels") from exc
    except ImageTooLarge:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise BrokenFile(f"image cannot be decoded: {type(exc).__name__}") from exc


def prepare(rgb: np.ndarray, limits: Limits) -> np.ndarray:
    """The page, upright, cropped, evenly lit, at most ``limits.ocr_side`` on its long side."""
    image = _fit(rgb, int(limits.ocr_side * 1.25))
    quad = find_page(image)
    if quad is not None:
        image = _warp(image, quad)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    gray = flatten_light(gray)
    angle = estimate_skew(gray)
    if abs(angle) >= 0.3:
        gray = _rotate(gray, angle)
    gray = _fit(gray, limits.ocr_side)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)


def binarize(gray: np.ndarray) -> np.ndarray:
    """Black text on white (for Tesseract, which reads thresholded pages best)."""
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_RGB2GRAY)
    return cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 15
    )


def find_page(rgb: np.ndarray) -> np.ndarray | None:
    """The four corners of the paper in the photo, or None when the paper fills it or is not found."""
    height, width = rgb.shape[:2]
    scale = _SEARCH_SIDE / max(height, width)
    small = cv2.resize(rgb, (max(1, int(width * scale)), max(1, int(height * scale))))
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    _, bright = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    page = max(contours, key=cv2.contourArea)
    ratio = cv2.contourArea(page) / float(small.shape[0] * small.shape[1])
    if not 0.25 <= ratio <= 0.93:
        return None
    approx = cv2.approxPolyDP(page, 0.02 * cv2.arcLength(page, True), True)
    if len(approx) == 4 and cv2.isContourConvex(approx):
        corners = approx.reshape(4, 2).astype(np.float32)
    else:
        corners = cv2.boxPoints(cv2.minAreaRect(page)).astype(np.float32)
    corners = _order(corners) / scale
    top, right = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[1])
    if top < 1 or not 0.4 <= right / top <= 2.5:
        return None
    return corners


def flatten_light(gray: np.ndarray) -> np.ndarray:
    """Divide by the page's own brightness: shadows and uneven light go, text stays dark."""
    side = max(gray.shape)
    size = max(15, (side // 40) | 1)
    background = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    background = cv2.GaussianBlur(background, (0, 0), size / 2)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX)


def estimate_skew(gray: np.ndarray, max_angle: float = 12.0) -> float:
    """The tilt of the text lines in degrees (positive: counter-clockwise), by projection profiles."""
    height, width = gray.shape[:2]
    scale = _SEARCH_SIDE / max(height, width)
    small = cv2.resize(gray, (max(1, int(width * scale)), max(1, int(height * scale))))
    ink = cv2.adaptiveThreshold(
        small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10
    ).astype(np.float32)
    if ink.sum() < 50:
        return 0.0

    def sharpness(angle: float) -> float:
        rotated = _rotate(ink, angle, border=0)
        rows = rotated.sum(axis=1)
        return float(np.sum(np.diff(rows) ** 2))

    coarse = max(np.arange(-max_angle, max_angle + 0.01, 1.0), key=sharpness)
    fine = max(np.arange(coarse - 1.0, coarse + 1.01, 0.2), key=sharpness)
    return float(fine)


def _rotate(image: np.ndarray, angle: float, border: int = 255) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


def _warp(image: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """Undo the perspective of the page, keeping a margin around it.

    The margin matters: a page's dark header band is not "bright paper", so the page we found
    may start below it. Everything on the page's plane is straightened, nothing is cut off.
    """
    tl, tr, br, bl = corners
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    mx, my = int(width * 0.06), int(height * 0.12)
    target = np.array(
        [[mx, my], [mx + width - 1, my], [mx + width - 1, my + height - 1], [mx, my + height - 1]],
        np.float32,
    )
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(
        image,
        matrix,
        (width + 2 * mx, height + 2 * my),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _order(points: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    sums = points.sum(axis=1)
    diffs = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(sums)],
            points[np.argmin(diffs)],
            points[np.argmax(sums)],
            points[np.argmax(diffs)],
        ],
        np.float32,
    )


def _fit(image: np.ndarray, side: int) -> np.ndarray:
    height, width = image.shape[:2]
    if max(height, width) <= side:
        return image
    scale = side / max(height, width)
    return cv2.resize(
        image, (int(width * scale), int(height * scale)), interpolation=cv2.INTER_AREA
    )
