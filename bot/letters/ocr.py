"""Reading text from a page image, offline.

RapidOCR (PP-OCR detection, line orientation and recognition models that ship inside the
``rapidocr`` wheel, run by ONNX Runtime) is loaded once per process, on first use, and guarded
by a lock so threads can share it. Debian's Tesseract with the Dutch model is the fallback when
RapidOCR is not installed or finds (almost) nothing.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import numpy as np

from bot.letters.layout import Piece, rows

log = logging.getLogger(__name__)

# fewer characters than this from RapidOCR: ask Tesseract too
_TOO_LITTLE = 20
_BUILD = threading.Lock()
# the PP-OCR models the rapidocr wheel (3.10.0) carries: detection, line orientation, recognition
_WHEEL_MODELS = {
    "det": "PP-OCRv6_det_small.onnx",
    "cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "rec": "PP-OCRv6_rec_small.onnx",
}


class Reader(Protocol):
    """Something that turns a page image into text pieces."""

    name: str

    def read(self, image: np.ndarray, page: int) -> list[Piece]: ...


class RapidReader:
    """PP-OCR through RapidOCR and ONNX Runtime, models from the wheel."""

    name = "rapidocr"

    def __init__(self, threads: int = 0) -> None:
        from pathlib import Path

        import rapidocr
        from rapidocr import RapidOCR
        from rapidocr.inference_engine.onnxruntime import main as ort_main

        models = Path(rapidocr.__file__).parent / "models"
        paths = {name: models / file for name, file in _WHEEL_MODELS.items()}
        missing = [str(path) for path in paths.values() if not path.is_file()]
        if missing:
            raise ImportError(f"rapidocr wheel without its models: {missing}")
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.max_side_len": 2048,
            # detection needs less resolution than recognition (which crops from the full
            # page): at most 1280 px saves a fifth of the time and memory, same lines found
            "Det.limit_type": "max",
            "Det.limit_side_len": 1280,
            # without dilation two close lines of small print stay two boxes
            "Det.use_dilation": False,
            # the models inside the wheel, by path: nothing is ever looked up or downloaded
            "Det.model_path": str(paths["det"]),
            "Cls.model_path": str(paths["cls"]),
            "Rec.model_path": str(paths["rec"]),
        }
        if threads > 0:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
        with _BUILD:
            # ONNX Runtime's worker threads spin while they wait by default: on a shared
            # server that burns the other requests' CPU, so we switch spinning off.
            original = ort_main.OrtInferSession._init_sess_opts

            def no_spinning(cfg: Any) -> Any:
                options = original(cfg)
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                options.add_session_config_entry("session.inter_op.allow_spinning", "0")
                return options

            ort_main.OrtInferSession._init_sess_opts = staticmethod(no_spinning)  # type: ignore[method-assign]
            try:
                self._engine = RapidOCR(params=params)
            finally:
                ort_main.OrtInferSession._init_sess_opts = staticmethod(original)  # type: ignore[method-assign]
        self._lock = threading.Lock()

    def read(self, image: np.ndarray, page: int) -> list[Piece]:
        with self._lock:
            # all three steps named on every call: RapidOCR keeps use_det/use_cls/use_rec from
            # the previous call (a line read again without detection would stick)
            result: Any = self._engine(image, use_det=True, use_cls=True, use_rec=True)
        boxes = getattr(result, "boxes", None)
        if boxes is None:
            return []
        pieces = []
        for box, text, score in zip(boxes, result.txts or (), result.scores or (), strict=False):
            xs, ys = box[:, 0], box[:, 1]
            pieces.append(
                Piece(str(text), float(score), xs.min(), ys.min(), xs.max(), ys.max(), page)
            )
        return self._split_merged_lines(image, pieces)

    def _split_merged_lines(self, image: np.ndarray, pieces: list[Piece]) -> list[Piece]:
        """Second reading of lines read badly.

        A box twice as high as a line is two lines of small print: each half is read again. A
        row that came out in low-scoring fragments is read again as one whole line.
        """
        if len(pieces) < 5:
            return pieces
        median = sorted(p.height for p in pieces)[len(pieces) // 2]
        out: list[Piece] = []
        for piece in pieces:
            if piece.score < 0.9 and piece.height > 1.6 * median:
                out.extend(self._reread_halves(image, piece) or [piece])
            else:
                out.append(piece)
        final: list[Piece] = []
        for row in rows(out):
            weight = sum(len(p.text) for p in row) or 1
            score = sum(p.score * len(p.text) for p in row) / weight
            whole = self._reread_row(image, row, median) if score < 0.85 else None
            final.extend([whole] if whole is not None and whole.score > score + 0.1 else row)
        return final

    def _reread_row(self, image: np.ndarray, row: list[Piece], median: float) -> Piece | None:
        height, width = image.shape[:2]
        pad = 0.25 * median
        x0, x1 = (
            max(0, int(min(p.x0 for p in row) - pad)),
            min(width, int(max(p.x1 for p in row) + pad)),
        )
        y0 = max(0, int(min(p.y0 for p in row) - pad))
        y1 = min(height, int(max(p.y1 for p in row) + pad))
        if y1 - y0 < 8 or x1 - x0 < 8:
            return None
        with self._lock:
            result: Any = self._engine(
                np.ascontiguousarray(image[y0:y1, x0:x1]),
                use_det=False,
                use_cls=False,
                use_rec=True,
            )
        texts, scores = result.txts or (), list(result.scores or ())
        if not texts or not scores:
            return None
        return Piece(str(texts[0]), float(scores[0]), x0, y0, x1, y1, row[0].page)

    def _reread_halves(self, image: np.ndarray, piece: Piece) -> list[Piece] | None:
        height, width = image.shape[:2]
        x0, x1 = max(0, int(piece.x0)), min(width, int(piece.x1) + 1)
        y0, y1 = max(0, int(piece.y0)), min(height, int(piece.y1) + 1)
        crop = image[y0:y1, x0:x1]
        if crop.shape[0] < 8 or crop.shape[1] < 8:
            return None
        ink = (255.0 - crop.mean(axis=2)).sum(axis=1)
        low, high = int(len(ink) * 0.3), max(int(len(ink) * 0.7), int(len(ink) * 0.3) + 1)
        cut = low + int(np.argmin(ink[low:high]))
        halves = []
        for top, bottom in ((0, cut), (cut, crop.shape[0])):
            with self._lock:
                result: Any = self._engine(
                    np.ascontiguousarray(crop[top:bottom]),
                    use_det=False,
                    use_cls=False,
                    use_rec=True,
                )
            texts, scores = result.txts or (), list(result.scores or ())
            if not texts or not scores:
                return None
            halves.append(
                Piece(str(texts[0]), float(scores[0]), x0, y0 + top, x1, y0 + bottom, piece.page)
            )
        if sum(p.score for p in halves) / 2 <= piece.score:
            return None
        return halves


class TesseractReader:
    """Debian's tesseract-ocr with tesseract-ocr-nld, through pytesseract."""

    name = "tesseract"

    def __init__(self, timeout: float = 30.0) -> None:
        import pytesseract

        self._tesseract = pytesseract
        self._timeout = timeout
        self._tesseract.get_tesseract_version()  # fails here when the binary is missing

    def read(self, image: np.ndarray, page: int) -> list[Piece]:
        from bot.letters.images import binarize

        data = self._tesseract.image_to_data(
            binarize(image),
            lang="nld",
            config="--psm 3",
            output_type=self._tesseract.Output.DICT,
            timeout=self._timeout,
        )
        pieces = []
        for i, word in enumerate(data["text"]):
            confidence = float(data["conf"][i])
            if not word.strip() or confidence < 0:
                continue
            left, top = float(data["left"][i]), float(data["top"][i])
            width, height = float(data["width"][i]), float(data["height"][i])
            pieces.append(
                Piece(word, confidence / 100.0, left, top, left + width, top + height, page)
            )
        return pieces


class OcrEngine:
    """The readers of this process: RapidOCR first, Tesseract when needed."""

    def __init__(self, threads: int = 0) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._primary: Reader | None = None
        self._fallback: Reader | None = None
        self._tried_primary = False
        self._tried_fallback = False

    def read(self, image: np.ndarray, page: int = 0) -> tuple[list[Piece], str]:
        """Text pieces and the name of the reader that found them."""
        primary = self._get_primary()
        pieces: list[Piece] = []
        name = primary.name if primary is not None else ""
        if primary is not None:
            pieces = primary.read(image, page)
            if _chars(pieces) >= _TOO_LITTLE:
                return pieces, name
        fallback = self._get_fallback()
        if fallback is not None:
            more = fallback.read(image, page)
            if not name or _chars(more) > _chars(pieces):
                return more, fallback.name
        elif primary is None:
            raise RuntimeError("no OCR engine: install rapidocr or tesseract-ocr")
        return pieces, name

    def _get_primary(self) -> Reader | None:
        with self._lock:
            if not self._tried_primary:
                self._tried_primary = True
                try:
                    self._primary = RapidReader(self._threads)
                except ImportError:
                    log.warning("letters: rapidocr is not installed, using tesseract")
            return self._primary

    def _get_fallback(self) -> Reader | None:
        with self._lock:
            if not self._tried_fallback:
                self._tried_fallback = True
                try:
                    self._fallback = TesseractReader()
                except Exception:  # pytesseract raises its own error types for a missing binary
                    log.warning("letters: tesseract is not available")
            return self._fallback


def _chars(pieces: list[Piece]) -> int:
    return sum(len(p.text.strip()) for p in pieces)


_ENGINE: OcrEngine | None = None
_ENGINE_LOCK = threading.Lock()


def engine(threads: int = 0) -> OcrEngine:
    """The one OCR engine of this process (made on first use, never at import)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = OcrEngine(threads)
        return _ENGINE
