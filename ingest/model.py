"""What the readers produce and the chunker consumes."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from enum import StrEnum

from pagewise.pageboxes import TextBox


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
    # Chunked and embedded by the reader (ingest.prepare): the blocks then stay behind.
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


@dataclass
class Prepared:
    """A document's chunks and their vectors (float32, one row of ``dim`` per chunk)."""

    chunks: list[Chunk]
    vectors: bytes
    dim: int

    def vectors_of(self, start: int, stop: int) -> list[list[float]]:
        """The vectors of chunks ``start`` to ``stop``, decoded only when they are written."""
        row = self.dim * 4
        values = array("f")
        values.frombytes(self.vectors[start * row : stop * row])
        flat = values.tolist()
        return [flat[i : i + self.dim] for i in range(0, len(flat), self.dim)]
