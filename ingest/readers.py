"""Choosing a reader by file type."""

from __future__ import annotations

from pathlib import Path

from ingest.model import ParsedDocument
from ingest.ocr import PageProgress
from ingest.pdf import read_pdf
from ingest.sheets import read_xlsx
from ingest.slides import read_pptx
from ingest.text import read_text_file
from ingest.word import read_docx
from pagewise.errors import DocumentError

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".pptx", ".xlsx", ".md", ".markdown", ".txt"}


def read_document(
    path: Path,
    ocr: str = "auto",
    max_pages: int | None = None,
    on_page: PageProgress | None = None,
    threads: int = 1,
) -> ParsedDocument:
    """``ocr`` (auto, always, off): whether PDF pages are read from their picture; ``on_page``
    hears of each page so read; a PDF with more than ``max_pages`` pages is refused before its
    pages are read; ``threads``: the processes a long PDF's pages may be read by."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path, ocr, max_pages, on_page, threads)
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".pptx":
        return read_pptx(path)
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix in (".md", ".markdown"):
        return read_text_file(path, markdown=True)
    if suffix == ".txt":
        return read_text_file(path, markdown=False)
    raise DocumentError(unsupported_reason(path))


def unsupported_reason(path: Path) -> str:
    suffix = path.suffix.lower()
    hints = {
        ".doc": " (save it as .docx)",
        ".ppt": " (save it as .pptx)",
        ".xls": " (save it as .xlsx)",
    }
    hint = hints.get(suffix, "")
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    return f"unsupported file type {suffix or '(none)'}{hint}; supported: {supported}"
