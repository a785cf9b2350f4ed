"""What the readers produce and the chunker consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from pagewise.pageboxes import TextBox

if TYPE_CHECKING:  # it builds on this module
    from ingest.prepare import Prepared


class BlockKind(StrEnum):
    HEADING = "heading"
    TEXT = "text"
    TABLE_ROW = "table_row"
    # An entry of a table of contents: kept with the page's text, never indexed (it names
    # every section and answers nothing, so it outranked the sections it points to).
    CONTENTS = "contents"


@dataclass(frozen=True)
class Block:
    """A run of text on one physical page: a heading, a paragraph or list item, or a table row."""

    kind: BlockKind
    text: str
    page: int  # physical, 1-based
    page_label: str | None = None
    level: int = 1  # heading depth, 1 = top
    # A table row that names its columns itself (a sheet's ``第 3 行：类别: TX | …``): no
    # header row is repeated before it in a chunk, it would only say the same again.
    labelled: bool = False


@dataclass
class ParsedDocument:
    """A file read into blocks in reading order."""

    title: str
    kind: str  # pdf, docx, markdown, text
    page_count: int
    blocks: list[Block]
    warnings: list[str] = field(default_factory=list)
    boxes: list[TextBox] = field(default_factory=list)  # where OCR read text on scanned pages
    # Chunked and embedded by the reader (ingest.prepare): the blocks then stay behind, and
    # the chunks wait in a temporary file until they are written.
    prepared: Prepared | None = None


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, with everything a citation needs."""

    text: str
    page: int
    page_end: int
    page_label: str | None
    page_label_end: str | None
    section: str
    section_path: str
    index: int
    tokens: int
