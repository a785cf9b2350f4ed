"""A long PDF read by page ranges in several processes (ingest.pages): the same document, the
same chunks, ids, page numbers and vectors as when one process reads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from test_ingest_pool import _assert_consistent, _index, assert_same_chunks

import ingest.pages
from ingest.readers import read_document
from pagewise.embedder import Embedder
from pagewise.settings import Settings

DOCS = Path(__file__).resolve().parent.parent.parent / "shared" / "docs"


def _pages_of(path: Path, sources: list[tuple[str, range]]) -> Path:
    writer = PdfWriter()
    for name, pages in sources:
        reader = PdfReader(DOCS / name)
        for index in pages:
            writer.add_page(reader.pages[index])
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def test_page_ranges_read_in_processes_give_the_same_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest.pages, "SPLIT_TEXT_PAGES", 2)
    monkeypatch.setattr(ingest.pages, "RANGE_PAGES", 5)  # ranges cut through sections
    manual = DOCS / "edumips64-doc-sphinx-en.pdf"  # an outline, page labels, running headers
    whole = read_document(manual, ocr="off")
    assert read_document(manual, ocr="off", threads=2) == whole


def test_scanned_pages_read_by_ocr_in_processes_give_the_same_text_and_boxes(
    tmp_path: Path,
) -> None:
    scan = _pages_of(tmp_path / "scan.pdf", [("openeuler-hardening-zh-scanned.pdf", range(2))])
    pages: list[tuple[int, int]] = []
    split = read_document(scan, threads=2, on_page=lambda d, t: pages.append((d, t)))
    assert split == read_document(scan)
    assert split.boxes and pages == [(1, 2), (2, 2)]  # progress still page by page, in order


def test_one_long_pdf_split_across_the_cores_writes_the_same_chunks_as_unsplit(
    tmp_path: Path, embedder: Embedder
) -> None:
    folder = tmp_path / "manuals"
    folder.mkdir()
    sources = [
        ("edumips64-doc-sphinx-en.pdf", range(31)),
        ("openeuler-hardening-zh.pdf", range(36)),
    ]
    long_pdf = _pages_of(folder / "long.pdf", sources)
    assert len(PdfReader(long_pdf).pages) >= ingest.pages.SPLIT_TEXT_PAGES
    written = []
    for threads in (1, 2):  # 2: its pages read in two processes, then embedded on 2 threads
        settings = Settings(data_dir=tmp_path / f"data-{threads}", ocr="off")
        components, store = _index(settings, embedder)
        ingestor = components.ingestor(workers=2)
        ingestor.embed_threads = threads
        summary = ingestor.ingest([folder], "default")
        assert summary.count("added") == 1 and summary.pages == 67
        _assert_consistent(components, store)
        written.append(store.written)
        components.close()
    assert_same_chunks(written[1], written[0])  # ids, texts, page numbers, sections, vectors
