"""Pictures of cited pages: a PDF page rendered server-side, the passage highlighted."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from pagewise.pageboxes import TextBox
from pagewise.sensitive import Match
from pagewise.text import squeeze

HIGHLIGHT = (255, 214, 0, 90)
HIDDEN = (0, 0, 0, 255)
Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points
RENDER_SCALE = 1.5  # 108 dpi: readable in the browser, about 200 KB a page


def render_page(
    path: Path,
    page: int,
    passage: str = "",
    hide: Callable[[str], Sequence[Match]] | None = None,
    ocr_boxes: Sequence[TextBox] = (),
) -> bytes:
    """PNG of physical ``page`` (1-based) with the lines of ``passage`` highlighted and what
    ``hide`` finds in the page's text (sensitive words) blacked out. A scanned page has no
    text layer: ``ocr_boxes``, where OCR read its text at ingestion, stand in for it."""
    document = pdfium.PdfDocument(str(path))
    try:
        pdf_page = document[page - 1]
        bitmap = pdf_page.render(scale=RENDER_SCALE)
        image = bitmap.to_pil().convert("RGBA")
        height = pdf_page.get_height()
        boxes = [(b, HIGHLIGHT) for b in (_passage_boxes(pdf_page, passage) if passage else [])]
        boxes += [(b, HIDDEN) for b in (_hidden_boxes(pdf_page, hide) if hide else [])]
        if ocr_boxes:
            boxes += [(b, HIGHLIGHT) for b in ocr_passage_boxes(ocr_boxes, passage)]
            boxes += [(b, HIDDEN) for b in (ocr_hidden_boxes(ocr_boxes, hide) if hide else [])]
        if boxes:
            overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(overlay)
            for (left, bottom, right, top), fill in boxes:
                draw.rectangle(
                    [
                        left * RENDER_SCALE,
                        (height - top) * RENDER_SCALE,
                        right * RENDER_SCALE,
                        (height - bottom) * RENDER_SCALE,
                    ],
                    fill=fill,
                )
            image = Image.alpha_composite(image, overlay)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()


def _passage_boxes(page: pdfium.PdfPage, passage: str) -> list[Box]:
    """Rectangles (PDF points) of the passage's lines that can be found on the page.

    Each line of the passage is searched on its own, by its first characters: extracted text
    and the page's text layer differ in spaces and line breaks, but rarely in a line's start.
    """
    textpage = page.get_textpage()
    boxes: list[Box] = []
    try:
        for line in passage.splitlines():
            probe = re.sub(r"\s+", " ", line).strip()[:12]
            if len(probe) < 4:
                continue
            searcher = textpage.search(probe, match_case=False)
            found = searcher.get_next()
            if found is None:
                continue
            index, _ = found
            boxes.extend(_line_boxes(textpage, index, len(line.strip())))
    finally:
        textpage.close()
    return boxes


def _hidden_boxes(page: pdfium.PdfPage, hide: Callable[[str], Sequence[Match]]) -> list[Box]:
    """Rectangles of the page's characters that ``hide`` finds in the page's text."""
    textpage = page.get_textpage()
    try:
        # One character per text-page index (get_text_range may merge or add characters), so
        # a match's offsets are the indexes of its characters' boxes.
        count = textpage.count_chars()
        chars = [chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 32) for i in range(count)]
        boxes: list[Box] = []
        for match in hide("".join(chars)):
            boxes.extend(_line_boxes(textpage, match.start, match.end - match.start))
    finally:
        textpage.close()
    return boxes


def _line_boxes(textpage: pdfium.PdfTextPage, index: int, length: int) -> list[Box]:
    count = max(1, min(length, textpage.count_chars() - index))
    rects = textpage.count_rects(index, count)
    boxes: list[Box] = [textpage.get_rect(i) for i in range(rects)]
    return boxes


# An OCR box this much of which is found in a row in the passage is one of its lines: a chunk
# can start or end inside a box, and the layout may have joined or split a line.
_SHARE_FOUND = 0.6
_MIN_CHARS = 3  # shorter boxes (a table cell "是", "0") match too much to mean anything


def ocr_passage_boxes(boxes: Sequence[TextBox], passage: str) -> list[Box]:
    """The OCR boxes whose text is part of ``passage`` (PDF points), compared folded
    (full-width forms, case) and without whitespace, as OCR and the chunk wrap differently."""
    wanted = squeeze(passage)
    found: list[Box] = []
    if not wanted:
        return found
    for box in boxes:
        text = squeeze(box.text)
        if len(text) < _MIN_CHARS:
            continue
        if text not in wanted:
            match = SequenceMatcher(None, text, wanted, autojunk=False).find_longest_match()
            if match.size < max(_MIN_CHARS, _SHARE_FOUND * len(text)):
                continue
        found.append((box.left, box.bottom, box.right, box.top))
    return found


def ocr_hidden_boxes(boxes: Sequence[TextBox], hide: Callable[[str], Sequence[Match]]) -> list[Box]:
    """The parts of the OCR boxes that ``hide`` finds in the page's OCR text: the page's
    boxes are searched as one text (a word can run over two boxes), and each hit's share of
    a box is measured in character widths (a Chinese character is two Latin ones)."""
    starts, position = [], 0
    for box in boxes:
        starts.append(position)
        position += len(box.text) + 1
    page_text = "\n".join(box.text for box in boxes)
    hidden: list[Box] = []
    for match in hide(page_text):
        for box, start in zip(boxes, starts, strict=True):
            first, last = max(match.start - start, 0), min(match.end - start, len(box.text))
            if first >= last:
                continue
            widths = [_width(char) for char in box.text]
            total, scale = sum(widths) or 1, box.right - box.left
            left = box.left + scale * sum(widths[:first]) / total
            right = box.left + scale * sum(widths[:last]) / total
            hidden.append((left - 1, box.bottom - 1, right + 1, box.top + 1))
    return hidden


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
