"""Reading pages without a text layer: render the page (pypdfium2) and read it with RapidOCR.

RapidOCR's wheel ships the PP-OCR detection, orientation and recognition models (Chinese and
English) and runs them on onnxruntime: nothing is downloaded. Lines come back in reading order
(boxes on one line joined left to right) with the page's mean confidence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# 144 dpi: small print in scanned manuals is read reliably, and a page takes seconds.
RENDER_SCALE = 2.0
# Below this mean confidence the page is reported, so a person can check the scan.
LOW_CONFIDENCE = 0.8


@dataclass(frozen=True)
class OcrPage:
    lines: list[str]
    confidence: float  # mean recognition score of the page's lines, 0–1


@lru_cache(maxsize=1)
def _engine() -> Any:
    from rapidocr import RapidOCR

    # RapidOCR gives its logger a coloured terminal handler of its own when it is imported;
    # its lines belong in Pagewise's log file, and only warnings.
    ocr_log = logging.getLogger("RapidOCR")
    for handler in list(ocr_log.handlers):
        ocr_log.removeHandler(handler)
    ocr_log.propagate = True
    ocr_log.setLevel(logging.WARNING)
    return RapidOCR()


def ocr_pdf_page(path: Path, index: int) -> OcrPage:
    """The text of the page ``index`` (0-based) of the PDF at ``path``, read from its picture."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        image = document[index].render(scale=RENDER_SCALE).to_numpy()
    finally:
        document.close()
    result = _engine()(image)
    if result.boxes is None or not result.txts:
        return OcrPage([], 0.0)
    lines = _reading_order(list(result.boxes), list(result.txts))
    scores = [float(s) for s in result.scores]
    return OcrPage(lines, sum(scores) / len(scores))


def _reading_order(boxes: list[Any], texts: list[str]) -> list[str]:
    """Boxes whose vertical centres lie within half a line of each other form one line."""
    items = []
    for box, text in zip(boxes, texts, strict=True):
        ys = [float(point[1]) for point in box]
        xs = [float(point[0]) for point in box]
        items.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text))
    items.sort()
    lines: list[list[tuple[float, str]]] = []
    centre = height = 0.0
    for y, h, x, text in items:
        if lines and abs(y - centre) <= max(height, h) / 2:
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            centre, height = y, h
    return [" ".join(text for _, text in sorted(line)) for line in lines]
