"""DOCX manuals with python-docx: headings give sections, page breaks give pages."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ingest.model import Block, BlockKind, ParsedDocument
from ingest.numbering import Numbering
from pagewise.errors import DocumentError

_HEADING_STYLE = re.compile(r"^(?:Heading|标题)\s*(\d)$", re.IGNORECASE)
# The styles Word gives the entries of a table of contents it generates ("toc 1", "目录 2").
_CONTENTS_STYLE = re.compile(r"^(?:toc|目录)\s*\d$", re.IGNORECASE)
_W_P, _W_TBL = qn("w:p"), qn("w:tbl")
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_RENDERED_BREAK, _W_TYPE = qn("w:lastRenderedPageBreak"), qn("w:type")


def read_docx(path: Path) -> ParsedDocument:
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"not a readable DOCX (corrupt, or another format): {exc}") from exc
    except Exception as exc:  # python-docx raises several types for damaged packages
        raise DocumentError(f"not a readable DOCX: {exc}") from exc

    pages = _PageCounter()
    numbering = Numbering.of(document)
    blocks: list[Block] = []
    titles = _TitleCandidates()
    for element in document.element.body.iterchildren():
        if element.tag == _W_P:
            paragraph = Paragraph(element, document)
            found = _paragraph_blocks(paragraph, pages, numbering.label(paragraph))
            titles.see(paragraph, found)
            blocks.extend(found)
        elif element.tag == _W_TBL:
            blocks.extend(_table_blocks(Table(element, document), pages))

    if not any(b.text.strip() for b in blocks):
        raise DocumentError("the document contains no text")
    return ParsedDocument(
        title=(document.core_properties.title or "").strip() or titles.best() or path.stem,
        kind="docx",
        page_count=pages.page,
        blocks=blocks,
    )


class _PageCounter:
    """Counts pages from explicit and rendered breaks without counting one break twice.

    Word writes a ``lastRenderedPageBreak`` where it laid out a new page, including right after
    an explicit page break, so a rendered break with no text since the last break is the same one.
    """

    def __init__(self) -> None:
        self.page = 1
        self.text_since_break = True

    def explicit_break(self) -> None:
        self.page += 1
        self.text_since_break = False

    def rendered_break(self) -> None:
        if self.text_since_break:
            self.page += 1
            self.text_since_break = False

    def saw_text(self) -> None:
        self.text_since_break = True


def _paragraph_blocks(paragraph: Paragraph, pages: _PageCounter, number: str) -> list[Block]:
    """The paragraph's blocks; ``number`` is what Word's automatic numbering shows before it."""
    level = _heading_level(paragraph)
    kind = BlockKind.CONTENTS if _is_contents_entry(paragraph) else BlockKind.TEXT
    if _breaks_before(paragraph):
        pages.explicit_break()
    blocks: list[Block] = []
    for page, text in _segments(paragraph._p, pages):
        text = text.strip()
        if not text:
            continue
        if number and not blocks and not text.startswith(number):
            text = f"{number} {text}"
        if level is not None:
            blocks.append(Block(BlockKind.HEADING, text, page, str(page), level))
        else:
            blocks.extend(
                Block(kind, line.strip(), page, str(page))
                for line in text.split("\n")
                if line.strip()
            )
    return blocks


def _segments(element: Any, pages: _PageCounter) -> Iterator[tuple[int, str]]:
    """The element's text cut at page breaks, each piece with its page."""
    parts: list[str] = []
    start_page = pages.page
    for node in element.iter():
        tag = node.tag
        if tag == _W_T:
            if node.text:
                parts.append(node.text)
                pages.saw_text()
        elif tag == _W_TAB:
            parts.append("\t")
        elif tag == _W_CR or (tag == _W_BR and node.get(_W_TYPE) not in ("page", "column")):
            parts.append("\n")
        elif (tag == _W_BR and node.get(_W_TYPE) == "page") or tag == _W_RENDERED_BREAK:
            before = pages.page
            pages.explicit_break() if tag == _W_BR else pages.rendered_break()
            if pages.page != before:
                yield start_page, "".join(parts)
                parts, start_page = [], pages.page
    yield start_page, "".join(parts)


def _table_blocks(table: Table, pages: _PageCounter) -> list[Block]:
    blocks: list[Block] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(t.strip() for _, t in _segments(cell._tc, pages) if t.strip()).replace(
                "\n", " "
            )
            if not cells or cells[-1] != text:  # merged cells repeat their text
                cells.append(text)
        line = " | ".join(cells).strip(" |")
        if line:
            blocks.append(Block(BlockKind.TABLE_ROW, line, pages.page, str(pages.page)))
    return blocks


def _heading_level(paragraph: Paragraph) -> int | None:
    style = paragraph.style
    while style is not None:
        name = style.name or ""
        if name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = style.base_style
    p_pr = paragraph._p.pPr
    outline = p_pr.find(qn("w:outlineLvl")) if p_pr is not None else None
    if outline is not None:
        value = outline.get(qn("w:val"))
        if value is not None and value.isdigit() and int(value) < 9:
            return int(value) + 1
    return None


def _is_contents_entry(paragraph: Paragraph) -> bool:
    name = paragraph.style.name if paragraph.style is not None else ""
    return bool(_CONTENTS_STYLE.match((name or "").strip()))


def _breaks_before(paragraph: Paragraph) -> bool:
    try:
        return bool(paragraph.paragraph_format.page_break_before)
    except Exception:
        return False


class _TitleCandidates:
    """The document's title when its properties have none: the Title style's text, else the
    biggest text before the first heading; never the first heading itself ("范围")."""

    def __init__(self) -> None:
        self.styled = ""
        self.biggest: tuple[float, str] = (0.0, "")
        self.heading_seen = False

    def see(self, paragraph: Paragraph, blocks: list[Block]) -> None:
        text = " ".join(b.text for b in blocks).strip()
        if not text or self.heading_seen:
            return
        name = (paragraph.style.name or "").strip().lower() if paragraph.style else ""
        if name in ("title", "标题") and not self.styled:
            self.styled = text
        elif any(b.kind is BlockKind.HEADING for b in blocks):
            self.heading_seen = True
        else:
            sizes = [run.font.size.pt for run in paragraph.runs if run.font.size is not None]
            # Only text set larger than body text (12 pt) can be a cover page's title.
            if sizes and max(sizes) > max(12.0, self.biggest[0]) and len(text) <= 80:
                self.biggest = (max(sizes), text)

    def best(self) -> str:
        return self.styled or self.biggest[1]
