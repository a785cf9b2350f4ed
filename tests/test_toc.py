"""Lines of a table of contents ("1 Source files format 7", "1.1 Sections . . . 7", a chapter's
own listing of its sections) are kept as text, never made section headings, and never indexed;
the headings they point at still are."""

import ctypes
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from ingest.chunking import chunk_blocks
from ingest.layout import lines_to_blocks
from ingest.model import BlockKind, ParsedDocument
from ingest.readers import read_document
from ingest.toc import toc_lines

Line = tuple[str, float, bool]  # text, size in points, bold


def _write_pdf(path: Path, pages: list[list[Line]]) -> Path:
    """A text PDF in the standard Helvetica faces, one line under the other on each page."""
    document = pdfium.PdfDocument.new()
    for lines in pages:
        page = document.new_page(595, 842)
        y = 800.0
        for text, size, bold in lines:
            face = b"Helvetica-Bold" if bold else b"Helvetica"
            font = pdfium_c.FPDFText_LoadStandardFont(document.raw, face)
            piece = pdfium_c.FPDFPageObj_CreateTextObj(document.raw, font, size)
            chars = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
            pdfium_c.FPDFText_SetText(piece, ctypes.cast(chars, pdfium_c.FPDF_WIDESTRING))
            pdfium_c.FPDFPageObj_Transform(piece, 1, 0, 0, 1, 60, y)
            pdfium_c.FPDFPage_InsertObject(page.raw, piece)
            y -= size * 1.8
        pdfium_c.FPDFPage_GenerateContent(page.raw)
    document.save(str(path))
    document.close()
    return path


def _headings(parsed: ParsedDocument) -> list[tuple[int, str]]:
    return [(b.page, b.text) for b in parsed.blocks if b.kind is BlockKind.HEADING]


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    """A guide without an outline whose contents page is set in bold, like its headings."""
    path = tmp_path_factory.mktemp("toc") / "guide.pdf"
    body = 10.0
    _write_pdf(
        path,
        [
            [
                ("Contents", 18, True),
                ("1 Getting started 2", 11, True),
                ("1.1 Installing . . . . . . . . . . 2", 11, True),
                ("1.2 Configuring . . . . . . . . . 2", 11, True),
                ("2 Reference 3", 11, True),
            ],
            [
                ("1 Getting started", 16, True),
                ("This guide explains how to install the tool.", body, False),
                ("1.1 Installing", 13, True),
                ("Run the installer and follow the steps.", body, False),
                ("1.2 Configuring", 13, True),
                ("Edit the settings file to taste.", body, False),
            ],
            [("2 Reference", 16, True), ("Every option is listed here.", body, False)],
        ],
    )
    return read_document(path)


def test_contents_lines_are_not_headings_and_the_real_headings_are(guide: ParsedDocument) -> None:
    # The contents page's own title opens its section; its entries open none.
    assert _headings(guide) == [
        (1, "Contents"),
        (2, "1 Getting started"),
        (2, "1.1 Installing"),
        (2, "1.2 Configuring"),
        (3, "2 Reference"),
    ]


def test_contents_lines_keep_their_text_one_entry_a_block(guide: ParsedDocument) -> None:
    first_page = [b.text for b in guide.blocks if b.page == 1]
    assert "1 Getting started 2" in first_page
    assert "1.1 Installing . . . . . . . . . . 2" in first_page


def test_contents_entries_are_not_indexed_so_they_never_outrank_their_sections(
    guide: ParsedDocument,
) -> None:
    entries = [b for b in guide.blocks if b.kind is BlockKind.CONTENTS]
    assert {b.text for b in entries} >= {
        "1 Getting started 2",
        "1.1 Installing . . . . . . . . . . 2",
    }
    chunks = chunk_blocks(guide.blocks, len, max_tokens=400, overlap_tokens=0)
    assert not any("Getting started 2" in c.text or ". . ." in c.text for c in chunks)
    assert any(c.section == "1.1 Installing" and "installer" in c.text for c in chunks)


def test_contents_is_not_taken_for_the_title(guide: ParsedDocument) -> None:
    assert guide.title != "Contents"


@pytest.mark.parametrize(
    "lines",
    [
        ["1.2 安装 ........ 5", "正文"],  # dot leaders: an entry anywhere
        ["2.1 加固 SSH 服务 …… 9"],
        ["安全加固指南 目  录", "1 操作系统加固概述 6", "1.1 加固目的 6"],  # titled page
        ["2.1  系统服务", "2.2  文件权限", "2.1 系统服务", "正文"],  # a chapter's listing
    ],
)
def test_contents_lines_are_recognised(lines: list[str]) -> None:
    found = toc_lines(lines)
    assert found and "正文" not in {lines[i] for i in found}
    headings = {b.text for b in lines_to_blocks(lines, 1, None) if b.kind is BlockKind.HEADING}
    assert not headings & {lines[i] for i in found}


def test_numbered_lines_ending_in_a_number_outside_a_contents_page_stay_headings() -> None:
    lines = ["2.4 Set the timeout to 30", "The timeout is in seconds.", "Chapter 3"]
    assert toc_lines(lines) == set()


def test_the_2007_manuals_contents_pages_give_no_headings(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    parsed = shared_doc("edumips64-manual-2007-en.pdf")
    headings = _headings(parsed)
    front = [text for page, text in headings if page <= 4]  # cover, contents, list of tables
    assert front == ["EduMIPS64 User Manual", "Contents", "List of Tables"]
    assert (6, "Introduction") in headings  # an unnumbered chapter, set large at the top
    assert (7, "1.1 Sections") in headings and (25, "3.1 The menu bar") in headings
    entries = {b.text for b in parsed.blocks if b.page == 2}
    assert "1 Source ﬁles format 7" in entries  # kept as text


def test_a_chapters_listing_of_its_sections_is_not_a_second_heading(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    headings = [text for _, text in _headings(shared_doc("openeuler-hardening-zh.pdf"))]
    assert headings.count("1.1 加固目的") == 1 and "1.1  加固目的" not in headings
    assert "3 安全加固工具" in headings and "3.1 加固操作" in headings
    # Labels set large inside a page ("实现", "说明") are not unnumbered chapter titles.
    assert "实现" not in headings and "说明" not in headings
