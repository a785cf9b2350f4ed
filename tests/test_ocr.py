"""Scanned pages are read by OCR (RapidOCR, models from its wheel) and found like text pages."""

from pathlib import Path

import pytest

from ingest.model import ParsedDocument
from ingest.readers import read_document
from pagewise.errors import DocumentError
from pagewise.text import squeeze
from ui.components import Components

SCANNED = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "docs"
    / ("openeuler-hardening-zh-scanned.pdf")
)


@pytest.fixture(scope="module")
def scanned() -> ParsedDocument:
    return read_document(SCANNED)


def test_a_scanned_page_is_read_with_its_known_lines(scanned: ParsedDocument) -> None:
    assert scanned.page_count == 5
    assert scanned.warnings[0] == "5 page(s) read by OCR: 1-5"
    page_two = squeeze(" ".join(b.text for b in scanned.blocks if b.page == 2))
    assert squeeze("表1-1 加固影响说明") in page_two
    assert squeeze("账户将被锁定60秒") in page_two
    page_three = squeeze(" ".join(b.text for b in scanned.blocks if b.page == 3))
    assert "permitrootlogin" in page_three


def test_ocr_off_reports_a_scan_and_says_how_to_read_it() -> None:
    with pytest.raises(DocumentError, match='set ocr = "auto"'):
        read_document(SCANNED, ocr="off")


def test_a_picture_without_text_is_reported(fixtures: Path) -> None:
    with pytest.raises(DocumentError, match="OCR found no text"):
        read_document(fixtures / "scanned.pdf")


def test_scanned_pages_are_found_by_search(components: Components) -> None:
    summary = components.ingestor().ingest([SCANNED], "default")
    assert not summary.failed
    found = components.retriever().search("口令连续输错几次后账户会被锁定？", 3, None)
    assert any(p.doc == SCANNED.name and p.page == 2 for p in found)
