"""Type 3 fonts that name each glyph by its code: their text is read, not their glyph names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
)

from ingest.fonts import code_named
from ingest.model import BlockKind, ParsedDocument
from ingest.pdf import read_pdf

BODY = "SYSCALL 2 closes the file whose descriptor is given as its first parameter. " * 3


def code_name(code: int) -> str:
    """The glyph name a TeX bitmap font gives code ``code``: two base-36 digits, "/CB" for 83."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"/{chr(ord('A') + code // 36)}{digits[code % 36]}"


def stream(data: bytes) -> DecodedStreamObject:
    made = DecodedStreamObject()
    made.set_data(data)
    return made


def type3_font(writer: PdfWriter) -> DictionaryObject:
    """A Type 3 font over codes 32-122, each glyph named by its code, with a ToUnicode map that
    sends "c" to a carriage return (as the 2007 EduMIPS64 manual's fonts do)."""
    codes = range(32, 123)
    glyph = writer._add_object(stream(b"0 0 0 0 0 0 d1"))
    to_unicode = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapType 2 def\n"
        b"1 begincodespacerange <00> <ff> endcodespacerange\n"
        b"1 beginbfrange <63> <63> <000d> endbfrange\nendcmap end end\n"
    )
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type3"),
            NameObject("/FontBBox"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/FontMatrix"): ArrayObject(
                [FloatObject(0.001), NumberObject(0), NumberObject(0), FloatObject(0.001)]
                + [NumberObject(0)] * 2
            ),
            NameObject("/CharProcs"): DictionaryObject(
                {NameObject(code_name(c)): glyph for c in codes}
            ),
            NameObject("/Encoding"): DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Encoding"),
                    NameObject("/Differences"): ArrayObject(
                        [NumberObject(32)] + [NameObject(code_name(c)) for c in codes]
                    ),
                }
            ),
            NameObject("/FirstChar"): NumberObject(32),
            NameObject("/LastChar"): NumberObject(122),
            NameObject("/Widths"): ArrayObject([NumberObject(500)] * len(codes)),
            NameObject("/Resources"): DictionaryObject(),
            NameObject("/ToUnicode"): writer._add_object(stream(to_unicode)),
        }
    )


def write_type3_pdf(path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject(
                {
                    NameObject("/F1"): writer._add_object(type3_font(writer)),
                    NameObject("/F2"): writer._add_object(helvetica),
                }
            )
        }
    )
    content = (
        b"BT /F1 16 Tf 72 720 Td (2.4.3 SYSCALL 2 - close\\(\\)) Tj ET\n"
        b"BT /F2 10 Tf 72 690 Td (" + BODY.encode() + b") Tj ET\n"
    )
    page[NameObject("/Contents")] = writer._add_object(stream(content))
    with path.open("wb") as out:
        writer.write(out)


def test_a_type3_font_that_names_glyphs_by_code_is_read_as_text(tmp_path: Path) -> None:
    pdf = tmp_path / "type3.pdf"
    write_type3_pdf(pdf)
    text = " ".join(block.text for block in read_pdf(pdf, ocr="off").blocks)
    assert "2.4.3 SYSCALL 2 - close()" in text
    assert "/CB" not in text and "\r" not in text


def test_the_2007_manuals_syscall_headings_read_as_written(
    shared_doc: Callable[[str], ParsedDocument],
) -> None:
    manual = shared_doc("edumips64-manual-2007-en.pdf")
    headings = {b.text for b in manual.blocks if b.kind is BlockKind.HEADING}
    assert {"1.1.2 The .code section", "1.1.3 The #include command"} <= headings
    assert "2.4.3 SYSCALL 2 - close()" in headings
    assert not any("/CB" in b.text for b in manual.blocks)


def test_only_names_that_spell_their_own_code_count_as_code_names() -> None:
    assert code_named([83, "/CB", "/CC"])  # "S", "T"
    assert not code_named([83, "/CC"])  # code 83 named as 84
    assert not code_named([15, "/bullet"])  # a real glyph name says which glyph
    assert not code_named([])
