"""Markdown and plain-text manuals: headings give sections; a form feed starts a new page."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.layout import lines_to_blocks
from ingest.markup import (
    drop_comments,
    ends_html_table,
    html_table_rows,
    is_contents_line,
    plain,
    starts_html_table,
)
from ingest.model import Block, BlockKind, ParsedDocument
from pagewise.errors import DocumentError

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def read_text_file(path: Path, markdown: bool) -> ParsedDocument:
    text = _decode(path.read_bytes())
    if not text.strip():
        raise DocumentError("the file is empty")
    pages = text.split("\f")
    blocks: list[Block] = []
    for number, page_text in enumerate(pages, start=1):
        if markdown:
            page_text = drop_comments(page_text)
        lines = page_text.splitlines()
        if markdown:
            blocks.extend(_markdown_blocks(lines, number))
        else:
            blocks.extend(lines_to_blocks(lines, number, str(number)))
    title = next((b.text for b in blocks if b.kind is BlockKind.HEADING and b.level == 1), "")
    return ParsedDocument(
        title=title or path.stem,
        kind="markdown" if markdown else "text",
        page_count=len(pages),
        blocks=blocks,
    )


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("the text is neither UTF-8 nor GB18030; save it as UTF-8")


def _markdown_blocks(lines: list[str], page: int) -> list[Block]:
    """Markdown headings open sections; fenced code stays as written; tables (Markdown or
    HTML) become rows; a contents list of links to the headings is left out; the rest is laid
    out without its markup."""
    blocks: list[Block] = []
    pending: list[str] = []
    table: list[str] = []  # the lines of an HTML table being read
    in_fence = False

    def flush() -> None:
        blocks.extend(lines_to_blocks(pending, page, str(page), heading_level=_no_heading))
        pending.clear()

    def rows(cells: list[str]) -> None:
        blocks.extend(Block(BlockKind.TABLE_ROW, row, page, str(page)) for row in cells)

    for line in lines:
        if table or (not in_fence and starts_html_table(line)):
            if not table:
                flush()
            table.append(line)
            if ends_html_table(line):
                rows(html_table_rows("\n".join(table)))
                table.clear()
        elif _FENCE.match(line):
            flush()
            in_fence = not in_fence
        elif in_fence:
            if line.strip():  # code keeps its lines
                blocks.append(Block(BlockKind.TEXT, line.rstrip(), page, str(page)))
        elif _TABLE_RULE.match(line):
            continue
        elif _TABLE_ROW.match(line):
            flush()
            cells = [plain(cell) for cell in line.strip().strip("|").split("|")]
            blocks.append(Block(BlockKind.TABLE_ROW, " | ".join(cells), page, str(page)))
        elif match := _MD_HEADING.match(line):
            flush()
            title = plain(match.group(2))
            blocks.append(Block(BlockKind.HEADING, title, page, str(page), len(match.group(1))))
        elif not is_contents_line(line):
            pending.append(plain(line))
    flush()
    if table:  # a table never closed: its rows as far as they go
        rows(html_table_rows("\n".join(table)))
    return blocks


def _no_heading(line: str) -> int | None:
    return None
