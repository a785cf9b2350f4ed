"""Packing blocks into chunks measured in embedder tokens, on sentence boundaries.

A chunk never crosses a section heading. It may run on from one page onto the next; it then
records both its first and its last page, so a citation can name them. A table's rows are
never split, and a chunk that starts inside a table (the next chunk, or the next page) starts
with the table's header row, so every row is read with its column names (unless its rows name
their columns themselves, as a sheet's do).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ingest.layout import join_wrapped
from ingest.model import Block, BlockKind, Chunk

TokenCounter = Callable[[str], int]

# Split after Chinese or English sentence ends; keep the punctuation with its sentence.
_SENTENCE = re.compile(r"(?<=[。！？；!?;])|(?<=\.)(?=\s)")


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int
    label: str | None
    tokens: int
    starts_block: bool
    row: bool = False  # a table row


def split_sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE.split(text) if part.strip()]


def chunk_blocks(
    blocks: Iterable[Block],
    count_tokens: TokenCounter,
    max_tokens: int = 200,
    overlap_tokens: int = 30,
) -> list[Chunk]:
    chunker = _Chunker(count_tokens, max_tokens, min(overlap_tokens, max_tokens // 2))
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            chunker.open_section(block.text, block.level)
        elif block.kind is not BlockKind.CONTENTS:  # a contents entry answers nothing
            chunker.add_block(block)
    chunker.flush(carry_overlap=False)
    return chunker.chunks


class _Chunker:
    def __init__(self, count_tokens: TokenCounter, max_tokens: int, overlap_tokens: int) -> None:
        self.count = count_tokens
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.sections: list[tuple[int, str]] = []
        self.units: list[_Unit] = []
        self.fresh = 0  # units in self.units not yet emitted in an earlier chunk
        self.chunks: list[Chunk] = []
        self.header: _Unit | None = None  # the first row of the table being read
        self.carried_header: _Unit | None = None  # repeated at the start of this chunk

    def open_section(self, title: str, level: int) -> None:
        self.flush(carry_overlap=False)
        self.header = None
        self.sections = [(lvl, t) for lvl, t in self.sections if lvl < level] + [(level, title)]

    def add_block(self, block: Block) -> None:
        row = block.kind is BlockKind.TABLE_ROW
        pieces = [block.text] if row else split_sentences(block.text)
        for i, piece in enumerate(pieces):
            for part in self._fit(piece):
                unit = _Unit(part, block.page, block.page_label, self.count(part), i == 0, row)
                self._add(unit)
        if not row or block.labelled:
            self.header = None
        elif self.header is None:
            self.header = self.units[-1] if self.units else None

    def _fit(self, text: str) -> list[str]:
        """Cut a sentence longer than a chunk into pieces that fit."""
        tokens = self.count(text)
        if tokens <= self.max_tokens:
            return [text]
        step = max(1, int(len(text) * self.max_tokens / tokens * 0.9))
        parts: list[str] = []
        for start in range(0, len(text), step):
            parts.extend(self._fit(text[start : start + step]))
        return parts

    def _add(self, unit: _Unit) -> None:
        if self.units and self._tokens() + unit.tokens > self.max_tokens:
            self.flush(carry_overlap=True)
            header = self.header
            if unit.row and header is not None and header not in self.units:
                # The row's column names come first in a chunk that starts inside a table.
                self.units = [header, *(u for u in self.units if u.row)]
                self.carried_header = header
        self.units.append(unit)
        self.fresh += 1

    def _tokens(self) -> int:
        return sum(u.tokens for u in self.units)

    def flush(self, carry_overlap: bool) -> None:
        if self.fresh == 0:
            self.units = []
            return
        units = self.units
        text = units[0].text
        for unit in units[1:]:
            text = f"{text}\n{unit.text}" if unit.starts_block else join_wrapped(text, unit.text)
        section = self.sections[-1][1] if self.sections else ""
        # A repeated header row does not move the chunk's first page back to where it stood.
        first = units[1] if units[0] is self.carried_header and len(units) > 1 else units[0]
        self.carried_header = None
        self.chunks.append(
            Chunk(
                text=text,
                page=first.page,
                page_end=units[-1].page,
                page_label=first.label,
                page_label_end=units[-1].label,
                section=section,
                section_path=" > ".join(t for _, t in self.sections),
                index=len(self.chunks),
                tokens=sum(u.tokens for u in units),
            )
        )
        self.units = self._overlap(units) if carry_overlap else []
        self.fresh = 0

    def _overlap(self, units: list[_Unit]) -> list[_Unit]:
        """The trailing sentences of the last chunk, up to the overlap budget."""
        kept: list[_Unit] = []
        total = 0
        for unit in reversed(units[1:]):
            if total + unit.tokens > self.overlap_tokens:
                break
            kept.insert(0, unit)
            total += unit.tokens
        return kept
