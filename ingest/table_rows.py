"""A PDF page's text lines with its ruled tables written as rows.

pypdf reads a table as loose lines, cell by cell and line by line. Each line of pypdf's text is
placed on the page (from where its pieces start) and the lines inside a table are replaced, where
the table begins, by the table's rows: "加固项 | 建议加固 | 易用性影响 | …". All other lines stay
exactly as pypdf read them.

A table that runs on over the next page repeats its header row there (Word does so) and may
carry the rest of a row cut by the page break: the repeated header is dropped, and the rest of
the cut row is added to the row on the page before, so the chunker reads one table (and
carries its header into the chunks of the next page).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.layout import join_wrapped
from ingest.tables import Table, find_tables

log = logging.getLogger(__name__)

_RUNNING = 2  # lines of an unknown running header above a table that goes on
_SAME_EDGES = 4.0  # points: a table as wide as the one before is its continuation


@dataclass
class Line:
    """A line of a page: text, or a table row (with its cells and its table)."""

    text: str
    cells: list[str] | None = None
    table: Table | None = None

    @property
    def row(self) -> bool:
        return self.cells is not None


def open_tables(path: Path) -> Any:
    """The PDF opened by pypdfium2 to read its tables, or None (pypdf could read it: the text
    is then kept without table rows)."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except Exception as exc:
        log.warning("tables not read: %s", exc)
        return None


def page_tables(document: Any, index: int) -> list[Table]:
    """The tables of the 0-based page ``index`` of a document from :func:`open_tables`; the
    page is closed at once, so a long PDF holds one page's objects at a time."""
    if document is None:
        return []
    try:
        page = document[index]
        try:
            return find_tables(page)
        finally:
            page.close()
    except Exception as exc:  # one damaged page costs only its tables
        log.warning("page %d: tables not read: %s", index + 1, exc)
        return []


def row_text(cells: list[str]) -> str:
    """The row as one line. Empty cells before its last value are kept ("| 3 | x": nothing in
    the first column), so that each value stays under its header; those after it are dropped."""
    last = max((i for i, cell in enumerate(cells) if cell), default=-1)
    return " | ".join(cells[: last + 1]).strip()


def page_lines(text: str, spans: list[tuple[str, float, float]], tables: list[Table]) -> list[Line]:
    """The page's stripped lines; those inside a table replaced by the table's rows."""
    if not tables or "".join(s for s, _, _ in spans) != text:
        return [Line(line.strip()) for line in text.splitlines()]
    lines = text.split("\n")  # as the spans are cut, so that both count the same lines
    out: list[Line] = []
    written: set[int] = set()
    for line, owner in zip(lines, _owners(spans, tables), strict=True):
        if owner is None:
            out.append(Line(line.strip()))
        elif owner not in written:
            written.add(owner)
            table = tables[owner]
            out.extend(Line(row_text(cells), cells, table) for cells in table.rows if any(cells))
    return out


def join_pages(pages: list[list[Line]], running: Callable[[str], bool]) -> None:
    """Join tables that run on over a page break, in place: a table that ends one page and
    starts the next with the same header row (or the same width and the rest of a cut row)
    loses the repeated header, the rest of the cut row goes to the row it belongs to, and the
    lines before it (a running header that names the chapter, so it is not on enough pages
    to be known as one, but is on more than one) are dropped, so that the rows of both pages
    follow one another; a cell that looks merged over the rows on both sides of the break
    (:attr:`Table.runs_on`) is joined and stands whole in them. Any other text above the table
    (a caption, a heading) means that it is another table."""
    seen_on: Counter[str] = Counter()
    for page in pages:
        seen_on.update({_shape(line.text) for line in page if not line.row})
    for before, page in itertools.pairwise(pages):
        tail = [line for line in before if line.text and not running(line.text)]
        start = next((i for i, line in enumerate(page) if line.row), None)
        if not tail or not tail[-1].row or start is None:
            continue
        last, first = tail[-1], page[start]
        above = [line for line in page[:start] if line.text and not running(line.text)]
        if len(above) > _RUNNING or any(seen_on[_shape(line.text)] < 2 for line in above):
            continue  # text before the table: it does not go on from the page before
        if last.table is None or first.table is None:
            continue
        repeated = first.cells == last.table.header
        same = abs(first.table.left - last.table.left) + abs(first.table.right - last.table.right)
        if not repeated and same > _SAME_EDGES:
            continue
        dropped = [id(line) for line in above] + ([id(first)] if repeated else [])
        rest = next((line for line in page[start + repeated :] if line.text), None)
        if rest is not None and rest.cells and last.cells and _cut(last.cells, rest.cells):
            last.cells = [join_wrapped(a, b) for a, b in zip(last.cells, rest.cells, strict=True)]
            last.text = row_text(last.cells)
            dropped.append(id(rest))
        elif rest is not None and rest.cells and last.cells and len(rest.cells) == len(last.cells):
            for column in last.table.runs_on:
                _join_merged(tail, page[start + repeated :], column)
        page[:] = [line for line in page if id(line) not in dropped]


def _join_merged(before: list[Line], after: list[Line], column: int) -> None:
    """A cell merged over the last rows of one page and the first rows of the next, cut by the
    page break: its two parts joined, and the whole text put in each of those rows."""
    tail = list(itertools.takewhile(lambda line: line.row, reversed(before)))
    head = list(itertools.takewhile(lambda line: line.row, after))
    if not tail or not head or not tail[0].cells or not head[0].cells:
        return
    first, second = tail[0].cells[column], head[0].cells[column]
    if not second:
        return
    whole = join_wrapped(first, second)
    for rows, part in ((tail, first), (head, second)):
        for line in rows:
            if not line.cells or line.cells[column] != part:
                break  # the rows the merged cell stands in are next to the page break
            line.cells = [whole if i == column else cell for i, cell in enumerate(line.cells)]
            line.text = row_text(line.cells)


def _shape(text: str) -> str:
    """A line with its numbers masked: the running header of chapter 1 on pages 7 and 8."""
    return re.sub(r"\d+", "#", " ".join(text.split()))


def _cut(cells: list[str], rest: list[str]) -> bool:
    """Whether ``rest`` is the part of the row ``cells`` cut off by the page break: it has no
    key in its first column."""
    return len(cells) == len(rest) and not rest[0] and any(rest)


def _owners(spans: list[tuple[str, float, float]], tables: list[Table]) -> list[int | None]:
    """For each line of the text, the table most of its characters lie in, or None."""
    owners: list[int | None] = []
    votes: Counter[int | None] = Counter()

    def close() -> None:
        owners.append(votes.most_common(1)[0][0] if votes else None)
        votes.clear()

    for piece, x, y in spans:
        parts = piece.split("\n")
        for number, part in enumerate(parts):
            if number:
                close()
            weight = len(part.strip())
            if weight:
                inside = next((i for i, t in enumerate(tables) if t.holds(x, y)), None)
                votes[inside] += weight
    close()
    return owners
