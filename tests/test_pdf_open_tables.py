"""Tables ruled only across (a rule over the header, one under it, perhaps one at the bottom;
no vertical rules, as LaTeX's booktabs draws them) are read as rows like ruled tables: columns
from the gaps between the words, one row per line, the header kept with the rows, carried over a
page break and into every chunk. A row's empty leading cells are kept, so values stay under
their headers."""

import ctypes
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from ingest.chunking import chunk_blocks
from ingest.model import BlockKind, ParsedDocument
from ingest.readers import read_document
from ingest.table_rows import row_text

Cell = tuple[str, float]  # text, x of its left edge
Drawn = tuple[str, float, float] | tuple[str, float, float, float]  # text or rule, y, x, (x end)


def rows(parsed: ParsedDocument, page: int) -> list[str]:
    return [b.text for b in parsed.blocks if b.kind is BlockKind.TABLE_ROW and b.page == page]


def texts(parsed: ParsedDocument, page: int) -> list[str]:
    return [b.text for b in parsed.blocks if b.kind is not BlockKind.TABLE_ROW and b.page == page]


@pytest.fixture(scope="module")
def manual_2007(shared_doc: Callable[[str], ParsedDocument]) -> ParsedDocument:
    return shared_doc("edumips64-manual-2007-en.pdf")


def test_a_table_ruled_only_across_is_read_as_rows_under_its_header(
    manual_2007: ParsedDocument,
) -> None:
    # Table 1.1: a double rule over the header, a rule under it, none at the bottom.
    assert rows(manual_2007, 8) == [
        "Type | Directive | Bits required",
        "Byte | .byte | 8",
        "Half word | .word16 | 16",
        "Word | .word32 | 32",
        "Double Word | .word or .word64 | 64",
    ]
    # Table 1.3: a header cell wider than its column's values, a cell wider than its header.
    assert rows(manual_2007, 10)[0] == "Escaping sequence | Meaning | ASCII encoding"
    assert "\\0 | Null byte | 0" in rows(manual_2007, 10)
    assert rows(manual_2007, 10)[-1] == "\\\\ | Literal backslash character | 92"


def test_the_caption_under_a_table_ruled_only_across_stays_text(
    manual_2007: ParsedDocument,
) -> None:
    assert any(t.startswith("Table 1.1: Basic data types") for t in texts(manual_2007, 8))
    assert "Table 1.3: Escaping sequences" in texts(manual_2007, 10)
    assert not any(
        "Bits required" in t or "Null byte" in t
        for t in texts(manual_2007, 8) + texts(manual_2007, 10)
    )


def test_rules_around_a_chapter_title_or_a_page_are_not_a_table(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    # The Sphinx manual draws rules over and under "CHAPTER ONE", under every running header
    # and over every footer, and frames its code listings: only its three ruled tables are rows.
    parsed = shared_doc("edumips64-doc-sphinx-en.pdf")
    pages = {b.page for b in parsed.blocks if b.kind is BlockKind.TABLE_ROW}
    assert pages == {7, 8, 9}


def test_a_rows_empty_leading_cells_are_kept_and_its_empty_last_cells_dropped() -> None:
    assert (
        row_text(["", "Literal backslash character", "92"]) == "| Literal backslash character | 92"
    )
    assert row_text(["a", "", "c", "", ""]) == "a |  | c"
    assert row_text(["", ""]) == ""


def test_a_ruled_tables_empty_first_column_keeps_its_place(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    # The notice symbols of the openEuler guide are pictures: their column reads empty.
    parsed = shared_doc("openeuler-hardening-zh.pdf")
    assert rows(parsed, 5)[0] == "符号 | 说明"
    assert rows(parsed, 5)[1].startswith("| 用于传递设备或环境安全警示信息。")


def _write_pdf(path: Path, pages: list[list[Drawn]]) -> Path:
    """A PDF of Helvetica text and thin filled rules placed where they are given."""
    document = pdfium.PdfDocument.new()
    font = pdfium_c.FPDFText_LoadStandardFont(document.raw, b"Helvetica")
    for drawn in pages:
        page = document.new_page(595, 842)
        for item in drawn:
            if len(item) == 4:  # a rule from x to x end
                _, y, x, end = item
                rule = pdfium_c.FPDFPageObj_CreateNewRect(x, y, end - x, 0.5)
                pdfium_c.FPDFPageObj_SetFillColor(rule, 0, 0, 0, 255)
                pdfium_c.FPDFPath_SetDrawMode(rule, pdfium_c.FPDF_FILLMODE_WINDING, False)
                pdfium_c.FPDFPage_InsertObject(page.raw, rule)
                continue
            text, y, x = item
            piece = pdfium_c.FPDFPageObj_CreateTextObj(document.raw, font, 10)
            chars = ctypes.create_string_buffer((text + "\0").encode("utf-16-le"))
            pdfium_c.FPDFText_SetText(piece, ctypes.cast(chars, pdfium_c.FPDF_WIDESTRING))
            pdfium_c.FPDFPageObj_Transform(piece, 1, 0, 0, 1, x, y)
            pdfium_c.FPDFPage_InsertObject(page.raw, piece)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
    document.save(str(path))
    document.close()
    return path


COLUMNS = (80.0, 200.0, 330.0)
HEADER = ["Setting", "Meaning", "Default"]


def _table(top: float, lines: list[list[str]], bottom_rule: bool) -> list[Drawn]:
    """A booktabs table: a rule over the header, one under it, and maybe one under the rows."""
    drawn: list[Drawn] = [("rule", top, 70.0, 420.0)]
    y = top - 12
    for number, cells in enumerate([HEADER, *lines]):
        drawn += [(text, y, x) for text, x in zip(cells, COLUMNS, strict=True) if text]
        y -= 14
        if number == 0:
            drawn.append(("rule", y + 9, 70.0, 420.0))
    if bottom_rule:
        drawn.append(("rule", y + 9, 70.0, 420.0))
    return drawn


@pytest.fixture(scope="module")
def long_table(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    """A table ruled only across that runs on over a page, its header repeated there."""
    first = [[f"option_{n}", f"what option {n} sets", str(n)] for n in range(1, 9)]
    second = [
        ["", "(in seconds)", ""],  # the rest of the last row of page 1, cut by the page break
        ["retries", "how often to try again", "3"],
        ["", "when the server is down", ""],
    ]
    path = _write_pdf(
        tmp_path_factory.mktemp("booktabs") / "settings.pdf",
        [
            [("The settings of the service are these.", 760, 72), *_table(700, first, False)],
            [*_table(780, second, True), ("Restart the service after a change.", 700, 72)],
        ],
    )
    return read_document(path, ocr="off")


def test_a_table_ruled_only_across_runs_on_over_a_page_under_one_header(
    long_table: ParsedDocument,
) -> None:
    assert rows(long_table, 1)[:2] == [
        "Setting | Meaning | Default",
        "option_1 | what option 1 sets | 1",
    ]
    # The header repeated on page 2 is dropped, the rest of the cut row joins its row, and a
    # line with an empty first cell keeps its place under the headers.
    assert rows(long_table, 1)[-1] == "option_8 | what option 8 sets (in seconds) | 8"
    assert rows(long_table, 2) == [
        "retries | how often to try again | 3",
        "| when the server is down",
    ]
    assert texts(long_table, 2) == ["Restart the service after a change."]
    assert texts(long_table, 1) == ["The settings of the service are these."]


def test_a_chunk_inside_a_table_ruled_only_across_starts_with_its_header(
    long_table: ParsedDocument,
) -> None:
    chunks = chunk_blocks(long_table.blocks, lambda text: len(text.split()), 30, 5)
    inside = [c for c in chunks if "option_" in c.text or "retries" in c.text]
    assert len(inside) > 2
    header = "Setting | Meaning | Default"
    # The first chunk has the header above the rows; each next one starts with it.
    assert inside[0].text.splitlines()[:2] == ["The settings of the service are these.", header]
    assert all(chunk.text.splitlines()[0] == header for chunk in inside[1:])
    # No row is cut: every line of a chunk is a whole row or the text around the table.
    whole = {b.text for b in long_table.blocks}
    assert all(line in whole for chunk in chunks for line in chunk.text.splitlines())
    retries = next(c for c in chunks if "retries" in c.text)
    assert retries.page_end == 2 and retries.text.startswith(header)
