"""Building hostile files for the tests: mutated and truncated copies of small manuals, zip
bombs, and PDFs written object by object (reference loops, too many pages, slow content)."""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from collections.abc import Callable, Iterator

from docx import Document
from openpyxl import Workbook
from pptx import Presentation
from pptx.util import Inches

FIXED_TIME = (2026, 1, 1, 0, 0, 0)
MB = 1_000_000


def rezip(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` with fixed timestamps: the same bytes on every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def deck() -> bytes:
    """A small PowerPoint deck: two slides with titles, text and notes."""
    presentation = Presentation()
    presentation.core_properties.title = "Password handbook"
    for number, (title, body) in enumerate(
        [
            ("Passwords", "Change your password every 90 days. 密码每 90 天更换一次。"),
            ("Badges", "Wear your badge at all times inside the building."),
        ],
        start=1,
    ):
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        box = slide.shapes.add_textbox(Inches(1), Inches(6), Inches(4), Inches(1))
        box.text_frame.text = f"Slide {number} of the handbook deck"
        slide.notes_slide.notes_text_frame.text = f"Notes for {title.lower()}."
    out = io.BytesIO()
    presentation.save(out)
    return rezip(unzip(out.getvalue()))


def workbook() -> bytes:
    """A small workbook: a table with headers on one sheet, prose on another."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Licences"
    sheet.append(["Category", "Licence", "Notes"])
    for row in [
        ("Permissive", "MIT", "May be used in closed products"),
        ("Permissive", "Apache-2.0", "Keep the NOTICE file"),
        ("Copyleft", "GPL-3.0", "Ask the legal team first"),
    ]:
        sheet.append(list(row))
    book.create_sheet("About").append(["This workbook lists the licences we allow."])
    book.properties.title = "Licence list"
    out = io.BytesIO()
    book.save(out)
    return rezip(unzip(out.getvalue()))


# Mutations: each takes the seed's bytes and a random source, and gives a damaged copy.
Mutation = Callable[[bytes, random.Random], bytes]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def truncate_keeping_the_end_marker(data: bytes, rng: random.Random) -> bytes:
    # Passes the PDF reader's "is it complete" check, so the parser itself meets the damage.
    return data[: rng.randrange(len(data) // 4, len(data))] + b"\n%%EOF\n"


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    return bytes(damaged)


def duplicate_a_span(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    span = data[start : start + rng.randint(1, 4096)]
    at = rng.randrange(len(data))
    return data[:at] + span * rng.randint(1, 50) + data[at:]


def zero_a_span(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    length = rng.randint(1, 2048)
    return data[:start] + b"\0" * length + data[start + length :]


RAW: list[Mutation] = [
    truncate,
    truncate_keeping_the_end_marker,
    flip_bytes,
    duplicate_a_span,
    zero_a_span,
]


def damage_a_part(data: bytes, rng: random.Random) -> bytes:
    """A whole zip with one XML part damaged: the XML parsers meet it, not zipfile."""
    members = unzip(data)
    xml = sorted(name for name in members if name.endswith((".xml", ".rels")))
    name = rng.choice(xml)
    mutation = rng.choice([truncate, flip_bytes, duplicate_a_span, zero_a_span])
    members[name] = mutation(members[name], rng)
    return rezip(members)


def drop_a_part(data: bytes, rng: random.Random) -> bytes:
    members = unzip(data)
    del members[rng.choice(sorted(members))]
    return rezip(members)


ZIPPED: list[Mutation] = [*RAW, damage_a_part, damage_a_part, damage_a_part, drop_a_part]


def mutants(
    seed: bytes, mutations: list[Mutation], count: int, rng: random.Random
) -> Iterator[bytes]:
    for _ in range(count):
        yield rng.choice(mutations)(seed, rng)


def zip_bomb_docx(expanded: int) -> bytes:
    """A DOCX whose document part is ``expanded`` bytes of one repeated run: tiny on disk."""
    members = unzip(_small_docx())
    body = b"<w:p><w:r><w:t>bomb</w:t></w:r></w:p>"
    head, tail = members["word/document.xml"].split(b"<w:body>")
    members["word/document.xml"] = (
        head + b"<w:body>" + body * (expanded // len(body)) + tail.split(b"<w:sectPr", 1)[-1]
    )
    return rezip(members)


def wide_zip_bomb_xlsx(parts: int, each: int) -> bytes:
    """Many parts each under the ratio check's floor, together past the expanded-size limit."""
    members = unzip(workbook())
    for n in range(parts):
        members[f"xl/media/padding{n}.xml"] = b" " * each
    return rezip(members)


def _small_docx() -> bytes:
    document = Document()
    document.add_heading("Bomb", 1)
    document.add_paragraph("A paragraph.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# PDFs written object by object, with a correct cross-reference table.


def pdf(objects: dict[int, bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            b"%010d 00000 n \n" % offsets[number]
            if number in offsets
            else b"0" * 10 + b" 65535 f \n"
        )
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
    b" /Resources << /Font << /F1 5 0 R >> >> >>"
)
_TEXT = _stream(b"BT /F1 12 Tf 72 720 Td (Badges are worn at all times in the building.) Tj ET")


def pdf_page_tree_loop() -> bytes:
    """The page tree's kid is a node whose kid is the root again."""
    return pdf(
        {
            1: _CATALOG,
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: b"<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>",
        }
    )


def pdf_reference_loops() -> bytes:
    """One page with text, an outline entry that is its own next and first child, and a form
    that draws itself."""
    return pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R /Outlines 6 0 R >>",
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: _PAGE.replace(b">> >> >>", b">> /XObject << /X 8 0 R >> >> >>"),
            4: _stream(b"BT /F1 12 Tf 72 720 Td (Badges are worn at all times.) Tj ET /X Do"),
            5: _FONT,
            6: b"<< /Type /Outlines /First 7 0 R /Last 7 0 R >>",
            7: b"<< /Title (Badges) /Parent 6 0 R /Next 7 0 R /First 7 0 R /Dest [3 0 R /Fit] >>",
            8: _stream(b"/X Do", b"/Type /XObject /Subtype /Form /BBox [0 0 612 792]"),
        }
    )


def pdf_indirect_loop() -> bytes:
    """The page's contents are a reference to a reference to itself."""
    return pdf(
        {
            1: _CATALOG,
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: _PAGE,
            4: b"6 0 R",
            5: _FONT,
            6: b"4 0 R",
        }
    )


def pdf_deep_nesting(depth: int = 100_000) -> bytes:
    page = _PAGE.replace(b" >> >> >>", b" >> >> /Junk " + b"[" * depth + b"]" * depth + b" >>")
    return pdf(
        {1: _CATALOG, 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", 3: page, 4: _TEXT, 5: _FONT}
    )


def pdf_with_pages(count: int) -> bytes:
    """``count`` pages sharing one content stream."""
    kids = b" ".join(b"%d 0 R" % (10 + n) for n in range(count))
    objects = {
        1: _CATALOG,
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        4: _TEXT,
        5: _FONT,
    }
    for n in range(count):
        objects[10 + n] = _PAGE
    return pdf(objects)


def pdf_slow_to_read(operators: int) -> bytes:
    """A page drawing one character at a time, ``operators`` times: a real PDF reader's
    minutes, a few MB on disk."""
    ops = b"BT /F1 1 Tf " + b"1 0 0 1 1 1 Tm (x) Tj " * operators + b"ET"
    return pdf(
        {
            1: _CATALOG,
            2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            3: _PAGE,
            4: _stream(ops),
            5: _FONT,
        }
    )


def pdf_flate_bomb(expanded: int) -> bytes:
    """A page of text, and a page whose content stream inflates to ``expanded`` bytes."""
    packer = zlib.compressobj(9)
    block = b" " * MB
    packed = b"".join(packer.compress(block) for _ in range(expanded // MB)) + packer.flush()
    bomb = b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)
    return pdf(
        {
            1: _CATALOG,
            2: b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
            3: _PAGE,
            4: _TEXT,
            5: _FONT,
            6: _PAGE.replace(b"4 0 R", b"7 0 R"),
            7: bomb,
        }
    )
