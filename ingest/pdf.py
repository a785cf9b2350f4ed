"""PDF manuals with pypdf: text per page, printed page labels, sections from the outline."""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from ingest.fonts import repair_page_fonts
from ingest.headings import detect_heading, normalise_title
from ingest.layout import lines_to_blocks
from ingest.model import Block, BlockKind, ParsedDocument
from ingest.ocr import MIN_CHARS_FOR_TEXT_LAYER, PageProgress, page_ranges, read_pictures
from ingest.pages import open_pdf, page_texts
from ingest.table_rows import Line, join_pages
from ingest.toc import is_contents_title
from ingest.typography import PageType
from pagewise.errors import DocumentError

log = logging.getLogger(__name__)

# Running headers and footers are looked for among the first and last lines of a page.
_EDGE_LINES = 3
# Printed folios such as "3/51", "- 3 -", "Page 3 of 51", "第 3 页".
_FOLIO_PATTERNS = [
    re.compile(r"^(\d{1,4})\s*/\s*\d{1,4}$"),
    re.compile(r"^[-–—]\s*(\d{1,4})\s*[-–—]$"),
    re.compile(r"^(?:Page|page|PAGE)\s+(\d{1,4})(?:\s+of\s+\d{1,4})?$"),
    re.compile(r"^第\s*(\d{1,4})\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?$"),
    re.compile(r"^(\d{1,4})$"),
]


def read_pdf(
    path: Path,
    ocr: str = "auto",
    max_pages: int | None = None,
    on_page: PageProgress | None = None,
    threads: int = 1,
) -> ParsedDocument:
    """``ocr``: "auto" reads pages without a usable text layer from their picture, "always"
    reads every page so, "off" never does; ``on_page`` hears of each page read so. More than
    ``max_pages`` pages: refused unread. With ``threads`` > 1 a long PDF's pages are read by
    that many processes (:mod:`ingest.pages`)."""
    reader = open_pdf(path)
    if max_pages is not None and len(reader.pages) > max_pages:
        raise DocumentError(
            f"the PDF has {len(reader.pages)} pages, over the limit of {max_pages} (max_pages)"
        )
    try:
        read = page_texts(path, reader, threads)
        texts = [page.text for page in read]
    except PdfReadError as exc:
        raise DocumentError(f"cannot read its pages (corrupt or truncated PDF): {exc}") from exc
    if not texts:
        raise DocumentError("the PDF has no pages")
    warnings, boxes = (
        ([], []) if ocr == "off" else read_pictures(path, texts, ocr, on_page, threads)
    )
    if sum(len(t.strip()) for t in texts) < MIN_CHARS_FOR_TEXT_LAYER:
        if ocr == "off":
            raise DocumentError(
                'no text layer: the PDF looks scanned; set ocr = "auto" to read it by OCR'
            )
        raise DocumentError("no text layer, and OCR found no text on its pages either")

    # Only its first and last lines are kept of each page for the steps that look across pages.
    edges = [_edges([line.strip() for line in t.splitlines()]) for t in texts]
    boilerplate = _running_lines(edges)
    labels = _page_labels(reader, edges)
    outline = _outline_by_page(reader)

    def running(line: str) -> bool:  # a running header or footer, or a folio
        return _shape(line) in boilerplate or _is_folio(line)

    # A page OCR read has no text layer to place in tables: its lines are its text's.
    lines = [
        page.lines if text == page.text else [Line(line.strip()) for line in text.splitlines()]
        for page, text in zip(read, texts, strict=True)
    ]
    join_pages(lines, running)
    blocks: list[Block] = []
    empty_pages = []
    for index, page in enumerate(read):
        body = [line for line in lines[index] if line.row or not running(line.text)]
        lines[index] = page.lines = []  # a page's lines are let go once its blocks are made
        if not any(line.text for line in body):
            if index > 0 or len(read) == 1:
                empty_pages.append(index + 1)
            continue
        blocks.extend(
            _page_blocks(
                body,
                index + 1,
                labels[index],
                outline.get(index, []),
                bool(outline),
                page.typography,
            )
        )

    if empty_pages:
        warnings.append(f"{len(empty_pages)} page(s) without text: {page_ranges(empty_pages)}")
    return ParsedDocument(
        title=_title(reader, edges, boilerplate, path),
        kind="pdf",
        page_count=len(read),
        blocks=blocks,
        warnings=warnings,
        boxes=boxes,
    )


def _shape(line: str) -> str:
    """A line with digits masked, so "3/51" and "4/51" count as the same running line."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", line.strip()))


def _edges(lines: list[str]) -> list[str]:
    content = [line for line in lines if line]
    return content[:_EDGE_LINES] + content[-_EDGE_LINES:]


def _running_lines(edges: list[list[str]]) -> set[str]:
    """Headers and footers: edge lines (:func:`_edges` of each page) that repeat on a good
    share of the pages."""
    if len(edges) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in edges:
        counts.update(set(_shape(line) for line in lines))
    threshold = max(3, int(len(edges) * 0.4))
    return {shape for shape, n in counts.items() if n >= threshold and shape}


def _folio(line: str) -> str | None:
    text = re.sub(r"\s+", " ", line.strip())
    for pattern in _FOLIO_PATTERNS:
        if pattern.match(text):
            return text.replace(" ", "")
    return None


def _is_folio(line: str) -> bool:
    return _folio(line) is not None


def _page_labels(reader: PdfReader, edges: list[list[str]]) -> list[str | None]:
    """Printed page labels: /PageLabels when the PDF has them, else folios detected among
    each page's edge lines."""
    root: Any = reader.trailer["/Root"]
    if "/PageLabels" in root:
        return list(reader.page_labels)
    found: list[str | None] = []
    for lines in edges:
        found.append(next((f for f in map(_folio, lines) if f), None))
    numbered = [(i, int(re.match(r"\D*(\d+)", f).group(1))) for i, f in enumerate(found) if f]  # type: ignore[union-attr]
    # Trust folios only when they are common and rise with the physical page.
    if len(numbered) < max(2, len(edges) // 3):
        return [None] * len(edges)
    rising = sum(1 for (_, a), (_, b) in itertools.pairwise(numbered) if b > a)
    if rising < 0.8 * (len(numbered) - 1):
        return [None] * len(edges)
    return found


def _outline_by_page(reader: PdfReader) -> dict[int, list[tuple[str, int]]]:
    """Outline (bookmark) titles keyed by the 0-based page they point to."""
    result: dict[int, list[tuple[str, int]]] = {}

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                continue
            title = str(getattr(item, "title", "") or "").strip()
            if title and page is not None and page >= 0:
                result.setdefault(page, []).append((title, level))

    try:
        walk(list(reader.outline), 1)
    except Exception as exc:  # a broken outline only costs us the section names
        log.warning("outline unreadable: %s", exc)
    return result


def _page_blocks(
    read: list[Line],
    page: int,
    label: str | None,
    outline: list[tuple[str, int]],
    has_outline: bool,
    typography: PageType,
) -> list[Block]:
    """Blocks of one page (its lines, each marked if it is a table row); a PDF with an outline
    takes its headings from the outline alone, one without from lines that match a heading
    pattern and are set like a heading."""
    lines = [line.text for line in read]
    rows = {number for number, line in enumerate(read) if line.row}
    if not has_outline:
        top = next((text.strip() for text in lines if text.strip()), "")

        def set_like_a_heading(line: str) -> int | None:
            level = detect_heading(line)
            if level is None:  # an unnumbered title ("Introduction") opening the page
                return 1 if line == top and typography.displayed(line) else None
            return level if typography.looks_like_heading(line) is not False else None

        return lines_to_blocks(lines, page, label, set_like_a_heading, rows)

    wanted = {normalise_title(title): level for title, level in outline}
    seen: set[str] = set()

    def outline_level(line: str) -> int | None:
        key = normalise_title(line)
        level = wanted.get(key)
        if level is not None and key not in seen:
            seen.add(key)
            return level
        return None

    blocks = lines_to_blocks(lines, page, label, outline_level, rows)
    # Outline entries whose title is not printed on the page still open a section there.
    missing = [
        Block(BlockKind.HEADING, title, page, label, level)
        for title, level in outline
        if normalise_title(title) not in seen
    ]
    return missing + blocks


def _title(reader: PdfReader, edges: list[list[str]], boilerplate: set[str], path: Path) -> str:
    try:
        metadata = reader.metadata
        meta_title = str(metadata.get("/Title") or "").strip() if metadata else ""
    except Exception:  # damaged metadata only costs us the title
        meta_title = ""
    meta_title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", meta_title)
    meta_title = re.sub(r"\.(docx?|pptx?)$", "", meta_title)
    if meta_title and not _junk_title(meta_title, path):
        return meta_title
    cover = _biggest_text(reader)
    if cover:
        return cover
    # A running header without digits is usually the manual's name.
    counts: Counter[str] = Counter()
    for lines in edges:
        for line in lines:
            shape = _shape(line)
            if (
                shape in boilerplate
                and len(shape) >= 4
                and not _is_folio(line)
                and detect_heading(line) is None
            ):
                counts[line.strip()] += 1
    if counts:
        return counts.most_common(1)[0][0]
    return path.stem


def _biggest_text(reader: PdfReader) -> str:
    """The text set in the largest type on the first page (a cover's title), when it stands out
    from the body text; "" if the first page has none."""
    pieces: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
        if text.strip():
            pieces.append((round(size * scale, 1), text.strip()))

    try:
        repair_page_fonts(reader.pages[0])
        reader.pages[0].extract_text(visitor_text=visit)
    except Exception:  # a damaged first page only costs the title
        return ""
    if not pieces:
        return ""
    sizes = sorted(size for size, _ in pieces)
    largest, median = sizes[-1], sizes[len(sizes) // 2]
    title = " ".join(text for size, text in pieces if size == largest).strip()
    if (
        largest < 1.2 * median
        or not 2 <= len(title) <= 120
        or _is_folio(title)
        or is_contents_title(title)
    ):
        return ""
    return title


def _junk_title(title: str, path: Path) -> bool:
    """Metadata that names a file or a tool's default, not the manual ("manual.dvi", "Untitled")."""
    lowered = title.strip().lower()
    return bool(
        re.fullmatch(r"[\w .()-]+\.(dvi|tex|pdf|ps|docx?|pptx?|xlsx?|txt|md|html?)", lowered)
    ) or lowered in ("untitled", "无标题", "title", "document", path.stem.lower())
