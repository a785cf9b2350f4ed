"""Excel workbooks (openpyxl): a sheet is a page and its name the section; each table row is
written with its column headers, merged cells expanded, empty rows and columns dropped."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from ingest.model import Block, BlockKind, ParsedDocument
from pagewise.errors import DocumentError


def read_xlsx(path: Path) -> ParsedDocument:
    from openpyxl import load_workbook

    try:
        # Values as last saved (not formulas); not read-only, which cannot see merged cells.
        book = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"not a readable Excel workbook ({exc})") from exc
    blocks: list[Block] = []
    for number, sheet in enumerate(book.worksheets, start=1):
        blocks.extend(_sheet_blocks(sheet, number))
    if not any(b.kind is not BlockKind.HEADING for b in blocks):
        raise DocumentError("the workbook has no values")
    title = (book.properties.title or "").strip() or path.stem
    return ParsedDocument(title=title, kind="xlsx", page_count=len(book.worksheets), blocks=blocks)


def _sheet_blocks(sheet: Any, number: int) -> list[Block]:
    label = sheet.title
    rows = _rows(sheet)
    blocks = [Block(BlockKind.HEADING, sheet.title, number, label, 1)]
    header: list[str] | None = None
    under_header = False  # the row before was the header
    previous = 0
    for row_number, cells in rows:
        filled = [c for c in cells if c]
        if row_number > previous + 1:
            # An empty row ends a table: a sheet often stacks several, each with its header.
            header = None
        previous = row_number
        if len(filled) == 1:
            # A lone value is prose (a title or a paragraph written into one cell); it also ends
            # the table above it.
            blocks.append(Block(BlockKind.TEXT, f"第 {row_number} 行：{filled[0]}", number, label))
            header = None
        elif header is None or (under_header and _labels_more_columns(filled, header)):
            # The first row with several values heads the table; a row of labels right under
            # it that fills more columns is the real header, and the one above was a caption.
            header = cells
            under_header = True
            blocks.append(Block(BlockKind.TABLE_ROW, " | ".join(filled), number, label))
            continue
        else:
            pairs = [f"{h}: {v}" if h else v for h, v in zip(header, cells, strict=True) if v]
            text = f"第 {row_number} 行：" + " | ".join(pairs)
            blocks.append(Block(BlockKind.TABLE_ROW, text, number, label, labelled=True))
        under_header = False
    return blocks


def _labels_more_columns(filled: list[str], header: list[str]) -> bool:
    """At least twice the values the header has, none a number: labels under a caption (a
    data row's first cell is often its number or name, under a column the header leaves
    unnamed, so one more value is no sign)."""
    numbers = any(v.replace(".", "", 1).isdigit() for v in filled)
    return not numbers and len(filled) >= 2 * sum(1 for h in header if h)


def _rows(sheet: Any) -> list[tuple[int, list[str]]]:
    """Non-empty rows with their numbers, merged cells filled in, empty columns dropped."""
    merged: dict[tuple[int, int], Any] = {}
    for ranges in sheet.merged_cells.ranges:
        value = sheet.cell(ranges.min_row, ranges.min_col).value
        for row in range(ranges.min_row, ranges.max_row + 1):
            for col in range(ranges.min_col, ranges.max_col + 1):
                merged[(row, col)] = value
    grid: list[tuple[int, list[str]]] = []
    for row in sheet.iter_rows():
        values = [
            _text(merged.get((cell.row, cell.column), cell.value)) for cell in row if cell.column
        ]
        if any(values):
            grid.append((row[0].row, values))
    if not grid:
        return []
    width = max(len(values) for _, values in grid)
    used = [c for c in range(width) if any(c < len(v) and v[c] for _, v in grid)]
    return [(n, [v[c] if c < len(v) else "" for c in used]) for n, v in grid]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())
