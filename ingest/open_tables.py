"""Tables ruled only across, with no vertical rules (LaTeX's booktabs and plain ``tabular``
with ``\\hline``, Word's plain table styles): a rule over the header row, one under it, and
perhaps one under the last row.

There are no cell borders to read, so the columns are taken from the words: a column gap is an
x-range that no word of any row covers and that is wider than the space between words. Each line
under the header is a row; the table ends at its bottom rule, or where the lines stop following
one another at the table's pitch (the caption below it) or run past its rules (a paragraph).
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

from ingest.tables import _TOUCH, Rule, Table, _cell_text, _Char, _crosses, _positions

_EXTENT = 3.0  # rules that start and end this close belong to one table
_MAX_RULES = 400  # more horizontal rules on a page: a drawing, not tables ruled only across
_HEADER_MAX = 60.0  # at most this far (points) from the top rule to the rule under the header
_PITCH = 1.4  # a gap this many times the table's line pitch ends it (the caption below)
_COLUMN_GAP = 1.1  # a column gap is wider than this many times the letters' median height
_FIRST_STEP = 2.2  # times the tallest letter: the most from a line's top to the next one's


@dataclass(frozen=True)
class Frame:
    """Where a table ruled only across may be: its rules' extent, its top rule, the rule under
    its header and the next rule of the same extent below (its bottom rule), if any."""

    left: float
    right: float
    top: float
    under_header: float
    bottom: float | None


def open_frames(hs: list[Rule], vs: list[Rule]) -> list[Frame]:
    """Pairs of rules of one extent, close enough to hold a header between them, that no
    vertical rule crosses (a ruled table, a framed code listing). Found from the rules alone, so
    a page whose only rules are its running header's and footer's costs nothing more."""
    if len(hs) > _MAX_RULES:  # a page of drawn lines, not of text: not worth the pairing
        return []
    free = sorted((h for h in hs if not any(_crosses(h, v) for v in vs)), key=lambda h: h.start)
    groups: list[list[Rule]] = []
    for rule in free:
        group = next(
            (
                g
                for g in groups
                if abs(g[0].start - rule.start) <= _EXTENT and abs(g[0].end - rule.end) <= _EXTENT
            ),
            None,
        )
        if group is None:
            groups.append([rule])
        else:
            group.append(rule)
    frames: list[Frame] = []
    for group in groups:
        ys = _positions([h.at for h in group])[::-1]  # a double rule counts once; top down
        i = 0
        while i + 1 < len(ys):
            if ys[i] - ys[i + 1] <= _HEADER_MAX:
                below = ys[i + 2] if i + 2 < len(ys) else None
                frames.append(Frame(group[0].start, group[0].end, ys[i], ys[i + 1], below))
                i += 2
            else:
                i += 1
    return frames


def read_open(frame: Frame, chars: list[_Char]) -> Table | None:
    """The table in ``frame``: its header row and one row per line, or None when the text
    there is not laid out in columns (a chapter title between two rules)."""
    text = [c for c in chars if not c.text.isspace()]
    header = [c for c in text if frame.under_header < c.y < frame.top and _within(c, frame)]
    if not header:
        return None
    body = _rows(frame, [c for c in text if c.y < frame.under_header])
    if not body:
        return None
    gap = _COLUMN_GAP * statistics.median(c.height for c in header + [c for b in body for c in b])
    columns = _columns(body, gap)
    if len(columns) < 2:
        return None
    # Each word goes to the column its middle lies nearest: a header word may be wider than its
    # column ("Escaping sequence" over "\0").
    bounds = [(a[1] + b[0]) / 2 for a, b in itertools.pairwise(columns)]
    edges = [*bounds, frame.right]

    order = {id(c): i for i, c in enumerate(chars)}  # the page's reading order

    def cells(line: list[_Char]) -> list[str]:
        slots: list[list[_Char]] = [[] for _ in columns]
        for word in _words(line, gap):
            middle = (word[0].left + word[-1].right) / 2
            slots[sum(1 for b in bounds if middle > b)].extend(word)
        return [
            _cell_text(_spaced(slot, chars, order), edge)
            for slot, edge in zip(slots, edges, strict=True)
        ]

    head = cells(header)
    if sum(1 for cell in head if cell) < 2:
        return None
    rows = [cells(line) for line in body]
    bottom = min(c.y - c.height / 2 for line in body for c in line) - 0.5
    return Table(frame.left, bottom, frame.right, frame.top, [head, *rows], head)


def _spaced(cell: list[_Char], chars: list[_Char], order: dict[int, int]) -> list[_Char]:
    """The cell's characters in reading order, with the spaces between two of them."""
    at = sorted(order[id(c)] for c in cell)
    inside = set(at)
    spaces = (
        [i for i in range(at[0], at[-1]) if chars[i].text.isspace() and {i - 1, i + 1} <= inside]
        if at
        else []
    )
    return [chars[i] for i in sorted(inside.union(spaces))]


def _within(char: _Char, frame: Frame) -> bool:
    return frame.left - _TOUCH <= char.x <= frame.right + _TOUCH


def _rows(frame: Frame, below: list[_Char]) -> list[list[_Char]]:
    """The lines under the header that belong to the table, top down."""
    if frame.bottom is not None:
        below = [c for c in below if c.y > frame.bottom]
    rows: list[list[_Char]] = []
    pitch: float | None = None
    last_top = frame.under_header
    for line in _lines(below):
        if not all(_within(c, frame) for c in line):
            break  # text wider than the table: a paragraph
        top = max(c.y + c.height / 2 for c in line)
        height = max(c.height for c in line)
        step = last_top - top
        # Before the pitch is known: no more than a line's height and its leading.
        if step > (_PITCH * pitch if pitch is not None else _FIRST_STEP * height):
            break
        if rows:
            pitch = step if pitch is None else min(pitch, step)
        rows.append(line)
        last_top = top
    return rows


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters grouped into lines, top down: those whose boxes overlap in height."""
    lines: list[tuple[float, list[_Char]]] = []  # the line's bottom, its characters
    for char in sorted(chars, key=lambda c: -(c.y + c.height / 2)):
        top, bottom = char.y + char.height / 2, char.y - char.height / 2
        if lines and top > lines[-1][0] + 0.5:
            lines[-1] = (min(lines[-1][0], bottom), [*lines[-1][1], char])
        else:
            lines.append((bottom, [char]))
    return [line for _, line in lines]


def _words(line: list[_Char], gap: float) -> list[list[_Char]]:
    """The line's characters left to right, cut where they stand more than ``gap`` apart."""
    words: list[list[_Char]] = []
    for char in sorted(line, key=lambda c: c.left):
        if words and char.left - max(c.right for c in words[-1]) <= gap:
            words[-1].append(char)
        else:
            words.append([char])
    return words


def _columns(lines: list[list[_Char]], gap: float) -> list[tuple[float, float]]:
    """The x-ranges covered by the words of the rows, merged where they lie closer than a
    column gap."""
    spans = sorted(
        (min(c.left for c in w), max(c.right for c in w))
        for line in lines
        for w in _words(line, gap)
    )
    columns: list[tuple[float, float]] = []
    for left, right in spans:
        if columns and left <= columns[-1][1] + gap:
            columns[-1] = (columns[-1][0], max(columns[-1][1], right))
        else:
            columns.append((left, right))
    return columns
