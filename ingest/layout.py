"""Turning wrapped lines of extracted text into paragraphs, list items and headings."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable

from ingest.headings import detect_heading
from ingest.model import Block, BlockKind
from ingest.toc import toc_lines

# A line that starts a rule, list item or labelled note starts a new block.
_ITEM_START = re.compile(
    r"^\s*(?:"
    r"\d{1,3}[.．、)）](?!\d)"  # 1.  2、  3)
    r"|[(（]\d{1,3}[)）]"  # (1)
    r"|[①-⑳]"
    r"|[•·▪◦●○■□\-*–]\s"
    r"|【"
    r"|//"
    r"|\|"
    r"|(?:说明|正例|反例|注意|注|示例|例如|Note|Example|Warning)\s*[:：]"
    r"|[a-zA-Z][.)]\s"
    r")"
)
_SENTENCE_END = re.compile(r"[。！？；!?;:：{}]\s*$|\.\s*$")

HeadingMatcher = Callable[[str], int | None]


def join_wrapped(left: str, right: str) -> str:
    """Join a line wrapped by the page width: a space only between two Latin words."""
    if left and right and _latin(left[-1]) and _latin(right[0]):
        return f"{left} {right}"
    return left + right


def starts_item(line: str) -> bool:
    """Whether the line starts a list item, a rule or a labelled note."""
    return bool(_ITEM_START.match(line))


def _latin(char: str) -> bool:
    return char.isascii() and not char.isspace()


def lines_to_blocks(
    lines: Iterable[str],
    page: int,
    page_label: str | None,
    heading_level: HeadingMatcher = detect_heading,
    rows: Container[int] = (),
) -> list[Block]:
    """Group one page's lines into blocks; ``heading_level`` decides which lines are headings,
    and the lines numbered in ``rows`` (0-based) are table rows, each a block of its own.
    Lines of a table of contents are never headings (:mod:`ingest.toc`): they stay as text."""
    lines = list(lines)
    listed = toc_lines(lines)
    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            text = current[0]
            for line in current[1:]:
                text = join_wrapped(text, line)
            blocks.append(Block(BlockKind.TEXT, text, page, page_label))
            current.clear()

    for number, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            flush()
            continue
        if number in rows:
            flush()
            blocks.append(Block(BlockKind.TABLE_ROW, line, page, page_label))
            continue
        if number in listed:
            # An entry of its own, never shown to ``heading_level``: an outline's matcher
            # takes each title once, and the real heading further on must get it.
            flush()
            blocks.append(Block(BlockKind.CONTENTS, line, page, page_label))
            continue
        level = heading_level(line)
        if level is not None:
            flush()
            blocks.append(Block(BlockKind.HEADING, line, page, page_label, level))
            continue
        if _ITEM_START.match(line) or (current and _SENTENCE_END.search(current[-1])):
            flush()
        current.append(line)
    flush()
    return blocks
