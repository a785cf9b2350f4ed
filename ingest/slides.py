"""PowerPoint decks (python-pptx): a slide is a page, its title the section, notes included."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.model import Block, BlockKind, ParsedDocument
from pagewise.errors import DocumentError


def read_pptx(path: Path) -> ParsedDocument:
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    try:
        deck = Presentation(str(path))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise DocumentError(f"not a readable PowerPoint file ({exc})") from exc
    blocks: list[Block] = []
    for number, slide in enumerate(deck.slides, start=1):
        blocks.extend(_slide_blocks(slide, number))
    if not any(b.kind is not BlockKind.HEADING for b in blocks):
        raise DocumentError("the deck has no text (pictures only?)")
    first_title = next((b.text for b in blocks if b.kind is BlockKind.HEADING and b.text), "")
    metadata = (deck.core_properties.title or "").strip()
    # PowerPoint's own default ("PowerPoint Presentation", "PowerPoint 演示文稿") names no deck.
    if metadata.lower().startswith("powerpoint") or metadata.lower().startswith("slide"):
        metadata = ""
    title = metadata or first_title or path.stem
    return ParsedDocument(title=title, kind="pptx", page_count=len(deck.slides), blocks=blocks)


MAX_HEADING = 60


def _slide_blocks(slide: Any, number: int) -> list[Block]:
    label = str(number)
    title_shape = slide.shapes.title
    title = _clean(title_shape.text_frame.text) if title_shape is not None else ""
    heading = title.splitlines()[0].strip() if title else ""
    # Every slide opens a section, one without a title an unnamed one: its text is not filed
    # under the slide before, and no passage runs from one slide onto the next.
    blocks = [Block(BlockKind.HEADING, heading[:MAX_HEADING], number, label, 1)]
    if title != heading or len(heading) > MAX_HEADING:
        # Body text typed into the title placeholder stays text.
        blocks.extend(_paragraphs(title, number, label))
    title_id = title_shape.shape_id if title_shape is not None else None
    for shape in sorted(_shapes(slide.shapes), key=_position):
        if shape.shape_id == title_id or _is_slide_number(shape):
            continue
        if getattr(shape, "has_table", False):
            for row in shape.table.rows:
                cells = [_clean(cell.text).replace("\n", " ") for cell in row.cells]
                if any(cells):
                    blocks.append(Block(BlockKind.TABLE_ROW, " | ".join(cells), number, label))
        elif getattr(shape, "has_text_frame", False):
            blocks.extend(_paragraphs(shape.text_frame.text, number, label))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            blocks.extend(_paragraphs(notes.text, number, label, prefix="备注："))
    return blocks


def _shapes(shapes: Any) -> Iterator[Any]:
    """Every shape, groups opened."""
    for shape in shapes:
        if hasattr(shape, "shapes"):
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _position(shape: Any) -> tuple[int, int]:
    # Reading order: top to bottom, then left to right.
    return (shape.top or 0, shape.left or 0)


def _is_slide_number(shape: Any) -> bool:
    placeholder = getattr(shape, "placeholder_format", None) if shape.is_placeholder else None
    if placeholder is not None and "SLIDE_NUMBER" in str(placeholder.type):
        return True
    text = shape.text_frame.text.strip() if getattr(shape, "has_text_frame", False) else ""
    return text.isdigit() and len(text) <= 3


def _paragraphs(text: str, page: int, label: str, prefix: str = "") -> list[Block]:
    lines = [line.strip() for line in _clean(text).splitlines()]
    return [Block(BlockKind.TEXT, prefix + line, page, label) for line in lines if line]


def _clean(text: str) -> str:
    # PowerPoint writes a line break inside a paragraph as a vertical tab.
    return text.replace("\x0b", "\n").strip()
