"""Scanned pages are read by OCR (RapidOCR, models from its wheel) and found like text pages."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.evaluation.scoring import load_questions
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


@dataclass
class _Read:
    parsed: ParsedDocument
    progress: list[tuple[int, int]]  # what the reader said after each OCR'd page


@pytest.fixture(scope="module")
def read() -> _Read:
    progress: list[tuple[int, int]] = []
    parsed = read_document(SCANNED, on_page=lambda done, total: progress.append((done, total)))
    return _Read(parsed, progress)


@pytest.fixture(scope="module")
def scanned(read: _Read) -> ParsedDocument:
    return read.parsed


def test_a_scanned_page_is_read_with_its_known_lines(scanned: ParsedDocument) -> None:
    assert scanned.page_count == 5
    assert scanned.warnings[0] == "5 page(s) read by OCR: 1-5"
    page_two = squeeze(" ".join(b.text for b in scanned.blocks if b.page == 2))
    assert squeeze("表1-1 加固影响说明") in page_two
    assert squeeze("账户将被锁定60秒") in page_two
    page_three = squeeze(" ".join(b.text for b in scanned.blocks if b.page == 3))
    assert "permitrootlogin" in page_three


def test_each_page_read_by_ocr_is_reported_as_it_is_read(read: _Read) -> None:
    assert read.progress == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_ocr_off_reports_a_scan_and_says_how_to_read_it() -> None:
    with pytest.raises(DocumentError, match='set ocr = "auto"'):
        read_document(SCANNED, ocr="off")


def test_a_picture_without_text_is_reported(fixtures: Path) -> None:
    with pytest.raises(DocumentError, match="OCR found no text"):
        read_document(fixtures / "scanned.pdf")


def test_scanned_pages_are_found_by_search(components: Components) -> None:
    pages: list[tuple[str, int, int]] = []
    summary = components.ingestor().ingest(
        [SCANNED], "default", on_page=lambda path, done, total: pages.append((path, done, total))
    )
    assert not summary.failed
    # The ingestion's progress follows the scan page by page, before the file is done.
    assert pages == [(str(SCANNED), done, 5) for done in range(1, 6)]
    found = components.retriever().search("口令连续输错几次后账户会被锁定？", 3, None)
    assert any(p.doc == SCANNED.name and p.page == 2 for p in found)


def test_the_scanned_question_set_asks_the_same_of_the_text_pdf(fixtures: Path) -> None:
    # bench/retrieval.py --per-document scores the scan against its text edition on these.
    scanned = load_questions(fixtures / "scanned" / "scanned.jsonl")
    text = load_questions(fixtures / "scanned" / "text-twin.jsonl")
    assert 10 <= len(scanned) <= 15 and {q.doc for q in scanned} == {SCANNED.name}
    assert [q.q for q in scanned] == [q.q for q in text]
    # Page i of the scan is page i + 5 of the text PDF (../shared/docs-sources.md).
    assert all(t.pages == [p + 5 for p in s.pages] for s, t in zip(scanned, text, strict=True))
