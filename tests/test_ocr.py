"""Scanned pages are read by OCR (RapidOCR, models from its wheel) and found like text pages."""

from pathlib import Path

import pytest
from scanned import QUESTION, SCANNED, ReaderOutput, ScanIndex, page_text

from assistant.evaluation.scoring import load_questions
from ingest.model import ParsedDocument
from ingest.readers import read_document
from pagewise.errors import DocumentError
from pagewise.text import squeeze


@pytest.fixture(scope="module")
def read(scan_index: ScanIndex) -> ReaderOutput:
    """What the reader child gave the ingestor (the scan is read once, in conftest)."""
    return scan_index.read


@pytest.fixture(scope="module")
def scanned(read: ReaderOutput) -> ParsedDocument:
    return read.parsed


def test_a_scanned_page_is_read_with_its_known_lines(scanned: ParsedDocument) -> None:
    assert scanned.page_count == 5
    assert scanned.warnings[0] == "5 page(s) read by OCR: 1-5"
    page_two = squeeze(page_text(scanned, 2))
    assert squeeze("表1-1 加固影响说明") in page_two
    assert squeeze("账户将被锁定60秒") in page_two
    page_three = squeeze(page_text(scanned, 3))
    assert "permitrootlogin" in page_three


def test_each_page_read_by_ocr_is_reported_as_it_is_read(read: ReaderOutput) -> None:
    assert read.progress == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_ocr_off_reports_a_scan_and_says_how_to_read_it() -> None:
    with pytest.raises(DocumentError, match='set ocr = "auto"'):
        read_document(SCANNED, ocr="off")


def test_a_picture_without_text_is_reported(fixtures: Path) -> None:
    with pytest.raises(DocumentError, match="OCR found no text"):
        read_document(fixtures / "scanned.pdf")


def test_scanned_pages_are_found_by_search(scan_index: ScanIndex) -> None:
    assert not scan_index.summary.failed
    # The ingestion's progress follows the scan page by page, before the file is done.
    assert scan_index.pages == [(str(SCANNED), done, 5) for done in range(1, 6)]
    found = scan_index.components.retriever().search(QUESTION, 3, None)
    assert any(p.doc == SCANNED.name and p.page == 2 for p in found)


def test_the_scanned_question_set_asks_the_same_of_the_text_pdf(fixtures: Path) -> None:
    # bench/retrieval.py --per-document scores the scan against its text edition on these.
    scanned = load_questions(fixtures / "scanned" / "scanned.jsonl")
    text = load_questions(fixtures / "scanned" / "text-twin.jsonl")
    assert 10 <= len(scanned) <= 15 and {q.doc for q in scanned} == {SCANNED.name}
    assert [q.q for q in scanned] == [q.q for q in text]
    # Page i of the scan is page i + 5 of the text PDF (../shared/docs-sources.md).
    assert all(t.pages == [p + 5 for p in s.pages] for s, t in zip(scanned, text, strict=True))
