"""Ruled tables on a PDF page (pypdfium2): the grid from the page's thin lines and rectangles
(and the stretched one-pixel pictures dvips draws rules with), each row read cell by cell, so
a row comes out as one line ("加固项 | 建议加固 | …") with the lines of a wrapped cell joined,
the way the DOCX and XLSX readers write rows.

Word, LibreOffice and LaTeX draw a table's rules as thin filled rectangles or stroked lines,
often cut into short pieces at every crossing; pieces on one rule are joined, and rules that
cross form one table. A frame around a note or a code listing (one cell) is not a table.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ingest.layout import join_wrapped, starts_item

_THIN = 2.0  # a rule is at most this thick (points)
_TOUCH = 2.0  # rules whose ends lie this close meet
_MIN_CELL = 3.0  # narrower bands are the gap of a double rule, not a cell
_CELL_PADDING = 6.0  # text stays this far from a cell's right border (Word: 5.4 pt)
_SENTENCE_ENDS = "。.！!？?；;：:）)"


@dataclass(frozen=True)
class Rule:
    at: float  # y of a horizontal rule, x of a vertical one
    start: float
    end: float


@dataclass(frozen=True)
class Table:
    left: float
    bottom: float
    right: float
    top: float
    rows: list[list[str]]  # cells, top to bottom
    header: list[str]  # the first row as printed, kept when a repeat of it is dropped
    runs_on: frozenset[int] = frozenset()  # last row's cells that may go on over the page

    def holds(self, x: float, y: float) -> bool:
        return (
            self.left - _TOUCH <= x <= self.right + _TOUCH
            and self.bottom - _TOUCH <= y <= self.top + _TOUCH
        )


@dataclass(frozen=True)
class _Char:
    text: str
    line: int  # the page's text line it is on, in reading order
    x: float  # centre
    y: float
    left: float
    right: float
    height: float


def find_tables(page: Any) -> list[Table]:
    """The ruled tables of a pypdfium2 page, top to bottom, each with its rows of cells; those
    ruled only across are read by :mod:`ingest.open_tables`."""
    from ingest.open_tables import open_frames, read_open  # it builds on this module

    horizontals, verticals = _rules(page)
    if len(horizontals) < 2:
        return []
    groups = _connected(horizontals, verticals) if len(verticals) >= 3 else []
    frames = open_frames(horizontals, verticals)  # tables ruled only across
    if not groups and not frames:
        return []
    chars = _chars(page)
    tables = [t for hs, vs in groups if (t := _read(hs, vs, chars)) is not None]
    tables += [t for frame in frames if (t := read_open(frame, chars)) is not None]
    return sorted(tables, key=lambda t: -t.top)


def _chars(page: Any) -> list[_Char]:
    """The page's characters with their boxes; a hyphen that pdfium marks as a line-end
    hyphenation stays a hyphen (in "hmac-sha2-512" it is part of the name)."""
    import pypdfium2.raw as pdfium_c

    text_page = page.get_textpage()
    try:
        chars: list[_Char] = []
        line = 0
        for i in range(text_page.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(text_page.raw, i)
            char = "-" if pdfium_c.FPDFText_IsHyphen(text_page.raw, i) else chr(code)
            if char in "\r\n":
                line += char == "\n"
                continue
            left, bottom, right, top = text_page.get_charbox(i)
            x, y = (left + right) / 2, (bottom + top) / 2
            chars.append(_Char(char, line, x, y, left, right, top - bottom))
        return chars
    finally:
        text_page.close()


def _rules(page: Any) -> tuple[list[Rule], list[Rule]]:
    import ctypes

    import pypdfium2.raw as pdfium_c

    # dvips and Ghostscript paint a rule as a one-pixel picture stretched to size.
    kinds = (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE)
    hs: list[Rule] = []
    vs: list[Rule] = []
    edges = [ctypes.c_float() for _ in range(4)]
    pointers = [ctypes.byref(edge) for edge in edges]
    # The raw calls: a page of text has thousands of objects, and wrapping each costs more.
    for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) not in kinds:
            continue
        if not pdfium_c.FPDFPageObj_GetBounds(obj, *pointers):
            continue
        left, bottom, right, top = (edge.value for edge in edges)
        width, height = right - left, top - bottom
        if width <= _THIN and height > width:
            vs.append(Rule((left + right) / 2, bottom, top))
        elif height <= _THIN and width > height:
            hs.append(Rule((bottom + top) / 2, left, right))
    return _merge(hs), _merge(vs)


def _merge(rules: list[Rule]) -> list[Rule]:
    """Pieces of one rule (same position, touching extents) joined into one."""
    lines: list[list[Rule]] = []
    for rule in sorted(rules, key=lambda r: r.at):
        if lines and rule.at - lines[-1][0].at <= _TOUCH / 2:
            lines[-1].append(rule)
        else:
            lines.append([rule])
    merged: list[Rule] = []
    for pieces in lines:
        at = sum(p.at for p in pieces) / len(pieces)
        current: Rule | None = None
        for piece in sorted(pieces, key=lambda r: r.start):
            if current is not None and piece.start <= current.end + _TOUCH:
                current = Rule(at, current.start, max(current.end, piece.end))
            else:
                if current is not None:
                    merged.append(current)
                current = Rule(at, piece.start, piece.end)
        if current is not None:
            merged.append(current)
    return [r for r in merged if r.end - r.start >= _MIN_CELL]


def _crosses(h: Rule, v: Rule) -> bool:
    return h.start - _TOUCH <= v.at <= h.end + _TOUCH and v.start - _TOUCH <= h.at <= v.end + _TOUCH


def _connected(hs: list[Rule], vs: list[Rule]) -> list[tuple[list[Rule], list[Rule]]]:
    """Groups of rules that cross one another: one group per table."""
    parent = list(range(len(hs) + len(vs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if _crosses(h, v):
                parent[root(i)] = root(len(hs) + j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(root(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(root(len(hs) + j), ([], []))[1].append(v)
    return [g for g in groups.values() if len(g[0]) >= 3 and len(g[1]) >= 3]


def _positions(values: list[float]) -> list[float]:
    """Distinct positions, those closer than a cell merged."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] >= _MIN_CELL:
            out.append(value)
    return out


@dataclass(frozen=True)
class _Band:
    """The strip of a table between two horizontal rules, with its cells' borders."""

    top: float
    bottom: float
    columns: list[tuple[float, float]]
    lines: list[list[_Char]]  # its rows, when it holds several without rules between them


def _read(hs: list[Rule], vs: list[Rule], chars: list[_Char]) -> Table | None:
    ys = _positions([h.at for h in hs])[::-1]  # top to bottom
    left = min(v.at for v in vs)
    right = max(v.at for v in vs)
    inside = [c for c in chars if left <= c.x <= right and ys[-1] <= c.y <= ys[0]]
    bands: list[_Band] = []
    for top, bottom in itertools.pairwise(ys):
        middle = (top + bottom) / 2
        # This band's cell borders: the vertical rules that run through it (a merged cell has
        # none inside it).
        xs = _positions([v.at for v in vs if v.start - _TOUCH <= middle <= v.end + _TOUCH])
        columns = list(itertools.pairwise(xs))
        strip = [c for c in inside if bottom <= c.y <= top]
        bands.append(_Band(top, bottom, columns, _one_line_rows(strip, columns)))
    rows: list[list[str]] = []
    for number, band in enumerate(bands):
        if band.lines:
            parts = [
                [_cell_text([c for c in p if a <= c.x <= b], b) for a, b in band.columns]
                for p in band.lines
            ]
        else:
            parts = [
                [_cell_text(_merged(bands, number, a, b, hs, inside), b) for a, b in band.columns]
            ]
        for cells in parts:
            # A row whose every cell runs on from the row above is that row.
            if any(cells) and (not rows or cells != rows[-1]):
                rows.append(cells)
    if len(rows) < 2 or max(len(b.columns) for b in bands) < 2:
        return None
    return Table(left, ys[-1], right, ys[0], rows, rows[0], _runs_on(bands[-1], inside, rows[-1]))


def _runs_on(band: _Band, chars: list[_Char], cells: list[str]) -> frozenset[int]:
    """The last row's cells that look cut by the page break (merged with the next row's, which
    Word carries on over the page): as many lines as the tallest other cell, which sets the
    row's height, at least two, and no sentence end; never the key in the first column."""
    if band.lines or len(cells) != len(band.columns):
        return frozenset()
    strip = [c for c in chars if band.bottom <= c.y <= band.top and not c.text.isspace()]
    lines = [len({c.line for c in strip if a <= c.x <= b}) for a, b in band.columns]
    return frozenset(
        j
        for j in range(1, len(cells))
        if lines[j] >= 2
        and lines[j] == max(lines[:j] + lines[j + 1 :])
        and cells[j][-1] not in _SENTENCE_ENDS
    )


def _merged(
    bands: list[_Band], number: int, a: float, b: float, hs: list[Rule], chars: list[_Char]
) -> list[_Char]:
    """The characters of the cell from ``a`` to ``b`` in the band ``number``. A cell merged
    over several rows has no rule between them: its text is read whole and stands in each of
    those rows, as merged cells in the Excel reader."""

    def open_above(i: int) -> bool:  # no rule over this cell at the top of band i
        if i == 0 or bands[i].lines or bands[i - 1].lines:
            return False
        same = any(abs(x - a) <= _TOUCH and abs(y - b) <= _TOUCH for x, y in bands[i - 1].columns)
        middle = (a + b) / 2
        ruled = any(
            abs(h.at - bands[i].top) < _MIN_CELL and h.start - _TOUCH <= middle <= h.end + _TOUCH
            for h in hs
        )
        return same and not ruled

    first = last = number
    while open_above(first):
        first -= 1
    while last + 1 < len(bands) and open_above(last + 1):
        last += 1
    top, bottom = bands[first].top, bands[last].bottom
    return [c for c in chars if a <= c.x <= b and bottom <= c.y <= top]


def _one_line_rows(band: list[_Char], columns: list[tuple[float, float]]) -> list[list[_Char]]:
    """The band's text lines, when it holds several rows with no rule between them (LaTeX
    rules only the header): three lines or more, each with text in all columns but one. A
    row whose cells wrap leaves columns empty on its later lines."""
    lines: list[list[_Char]] = []
    for char in sorted((c for c in band if not c.text.isspace()), key=lambda c: -c.y):
        if lines and lines[-1][-1].y - char.y <= max(char.height, lines[-1][-1].height) / 2:
            lines[-1].append(char)
        else:
            lines.append([char])
    needed = max(2, len(columns) - 1)
    for line in lines:
        filled = sum(1 for a, b in columns if any(a <= c.x <= b for c in line))
        if filled < needed:
            return []
    if len(lines) < 3:
        return []
    # Spaces go with the line they sit on.
    top = [line[0].y + line[0].height for line in lines]
    return [
        [c for c in band if (i == 0 or c.y < top[i]) and (i + 1 == len(lines) or c.y >= top[i + 1])]
        for i in range(len(lines))
    ]


def _cell_text(chars: list[_Char], border: float) -> str:
    """The cell's lines joined: a Latin word cut at the cell's edge ("VERBO|SE") is joined
    without a space, other Latin lines with one."""
    lines: dict[int, list[_Char]] = {}
    for char in chars:
        if not char.text.isspace() or lines.get(char.line):
            lines.setdefault(char.line, []).append(char)
    cjk = any(_cjk(c.text) for c in chars)
    text = ""
    previous: list[_Char] = []  # the line before, without its spaces
    one_word = False  # whether that line is one word
    for line in lines.values():
        piece = " ".join("".join(c.text for c in line).split())
        if not piece:
            continue
        if not text:
            text = piece
        elif _cut_word(previous, piece, border, one_word or cjk):
            text += piece
        elif starts_item(piece):  # "1）修正…2）…" reads as two items
            text = f"{text} {piece}"
        else:
            text = join_wrapped(text, piece)
        previous = [c for c in line if not c.text.isspace()]
        one_word = " " not in piece
    return text


def _cut_word(previous: list[_Char], piece: str, border: float, may_cut: bool) -> bool:
    """Whether the line before ran into the cell's edge in the middle of a Latin word. Word
    cuts a word that is wider than the cell (``may_cut``: the line before is one word), and,
    in Chinese text, any word at the edge (``may_cut`` too)."""
    if not previous:
        return False
    last = previous[-1]
    if last.text == "-" or piece.startswith("-"):  # hmac-sha2-|512, diffie|-hellman
        return True
    if not (_latin(last.text) and _latin(piece[0])):
        return False
    width = max(c.right - c.left for c in previous)
    # No room was left for one more letter: the word did not end there.
    return may_cut and border - last.right < _CELL_PADDING + width


def _latin(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "._/@")


def _cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"
