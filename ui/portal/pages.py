"""Pictures of cited pages: a PDF page rendered server-side, the passage highlighted."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from pagewise.sensitive import Match

HIGHLIGHT = (255, 214, 0, 90)
HIDDEN = (0, 0, 0, 255)
Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points
RENDER_SCALE = 1.5  # 108 dpi: readable in the browser, about 200 KB a page


def render_page(
    path: Path,
    page: int,
    passage: str = "",
    hide: Callable[[str], Sequence[Match]] | None = None,
) -> bytes:
    """PNG of physical ``page`` (1-based) with the lines of ``passage`` highlighted and what
    ``hide`` finds in the page's text (sensitive words) blacked out."""
    document = pdfium.PdfDocument(str(path))
    try:
        pdf_page = document[page - 1]
        bitmap = pdf_page.render(scale=RENDER_SCALE)
        image = bitmap.to_pil().convert("RGBA")
        height = pdf_page.get_height()
        boxes = [(b, HIGHLIGHT) for b in (_passage_boxes(pdf_page, passage) if passage else [])]
        boxes += [(b, HIDDEN) for b in (_hidden_boxes(pdf_page, hide) if hide else [])]
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
