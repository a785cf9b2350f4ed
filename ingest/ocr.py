"""Reading pages without a text layer: render the page (pypdfium2) and read it with RapidOCR.

RapidOCR's wheel ships the PP-OCR detection, orientation and recognition models (Chinese and
English) and runs them on onnxruntime: nothing is downloaded. Lines come back in reading order
(boxes on one line joined left to right) with the page's mean confidence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pagewise.pageboxes import TextBox

log = logging.getLogger(__name__)

# 144 dpi: small print in scanned manuals is read reliably, and a page takes seconds.
RENDER_SCALE = 2.0
# Below this mean confidence the page is reported, so a person can check the scan.
LOW_CONFIDENCE = 0.8
# A page with fewer characters in its text layer has none worth reading (a scan).
MIN_CHARS_FOR_TEXT_LAYER = 20

PageProgress = Callable[[int, int], None]  # pages read by OCR so far, pages to read


@dataclass(frozen=True)
class OcrPage:
    lines: list[str]
    confidence: float  # mean recognition score of the page's lines, 0–1
    # Each text box RapidOCR read, in PDF points, for the portal's page picture.
    boxes: list[TextBox] = field(default_factory=list)


_threads: list[int] = []  # set by a reader of the pool: its share of the cores


def use_threads(threads: int) -> None:
    """Run OCR on ``threads`` CPU threads from now on in this process (a reader of the pool
    gets its share of the cores: onnxruntime's default of every core, in each of several
    readers, makes them spin against each other)."""
    if _threads != [threads]:
        _threads[:] = [threads]
        _engine.cache_clear()


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
    if not _threads:
        return RapidOCR()
    return RapidOCR(params={"EngineConfig.onnxruntime.intra_op_num_threads": _threads[0]})


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
    boxes = [
        _in_points(index + 1, text, box, image.shape[0])
        for box, text in zip(result.boxes, result.txts, strict=True)
        if text.strip()
    ]
    return OcrPage(lines, sum(scores) / len(scores), boxes)


def _in_points(page: int, text: str, box: Any, height: int) -> TextBox:
    """A box of pixels of the page's picture (origin top left, RENDER_SCALE pixels a point)
    as the rectangle around it in PDF points (origin bottom left)."""
    xs = [float(point[0]) for point in box]
    ys = [float(point[1]) for point in box]
    return TextBox(
        page=page,
        text=text,
        left=min(xs) / RENDER_SCALE,
        bottom=(height - max(ys)) / RENDER_SCALE,
        right=max(xs) / RENDER_SCALE,
        top=(height - min(ys)) / RENDER_SCALE,
    )


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


def read_pictures(
    path: Path,
    texts: list[str],
    ocr: str,
    on_page: PageProgress | None = None,
    threads: int = 1,
) -> tuple[list[str], list[TextBox]]:
    """Replace the text of pages without a usable text layer (every page, with "always") by
    what OCR reads on their picture; warnings name those pages and any poorly read one, and the
    boxes say where each piece of text was read. ``on_page(done, total)`` follows each page,
    as one takes seconds. With ``threads`` > 1 pages are read by that many processes."""
    read, doubtful = [], []
    boxes: list[TextBox] = []
    pictures = [
        index
        for index, text in enumerate(texts)
        if ocr == "always" or len(text.strip()) < MIN_CHARS_FOR_TEXT_LAYER
    ]
    if threads > 1 and len(pictures) > 1:
        from ingest.pages import in_processes

        pages: Iterator[OcrPage] = in_processes(_ocr_page, path, pictures, threads)
    else:
        pages = (_ocr_page(path, index) for index in pictures)
    for done, (index, page) in enumerate(zip(pictures, pages, strict=True), start=1):
        if on_page:
            on_page(done, len(pictures))
        if page.lines:
            texts[index] = "\n".join(page.lines)
            boxes.extend(page.boxes)
            read.append(index + 1)
            if page.confidence < LOW_CONFIDENCE:
                doubtful.append(f"{index + 1} ({page.confidence:.2f})")
    warnings = [f"{len(read)} page(s) read by OCR: {page_ranges(read)}"] if read else []
    if doubtful:
        warnings.append(f"OCR confidence low on page(s) {', '.join(doubtful)}: check the scan")
    return warnings, boxes


def _ocr_page(path: Path, index: int) -> OcrPage:
    try:
        return ocr_pdf_page(path, index)
    except Exception as exc:  # one unreadable picture must not lose the rest
        log.warning("page %d: OCR failed: %s", index + 1, exc)
        return OcrPage([], 0.0)


def page_ranges(numbers: list[int]) -> str:
    """Page numbers as "1-5, 7"."""
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], 0]:
        if n != prev + 1:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = n
        prev = n
    return ", ".join(parts)
