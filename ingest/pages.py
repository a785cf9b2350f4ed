"""A PDF's pages read in page ranges by several processes, when a reader has cores to spare.

A reader of the pool gets its share of the cores (``threads``: every core when it is the only
one busy, e.g. one big file). Its per-page work (pypdf's text and typography of each page, its
ruled tables, OCR of pages without a text layer) then runs in that many spawned processes, each
on a contiguous range of pages; the results come back in page order and are put together by
the reader exactly as if it had read them itself, so chunks, page numbers and citations do not
change. The pages are independent (each is read from the file on its own); what spans pages
(running headers, page labels, the outline, tables and paragraphs that run on, the title) is
worked out afterwards, once, from what :class:`PageRead` keeps of each page.

The processes are children of the reader: its time limit and its kill stop them with it (one
process group), and they die with it if it is killed alone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from ingest.table_rows import Line, open_tables, page_lines, page_tables
from ingest.typography import PageType, read_page
from pagewise.errors import DocumentError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many pages of text a PDF is read in one process: starting one costs about a second,
# a text page 0.02-0.1 s. OCR pages take seconds each: two are worth splitting.
SPLIT_TEXT_PAGES = 64
# Pages a process reads at a time: small enough to balance the processes, large enough that
# opening the file again for each range costs little.
RANGE_PAGES = 32


def open_pdf(path: Path) -> PdfReader:
    """The PDF at ``path`` opened by pypdf, or DocumentError saying why it cannot be."""
    _check_complete(path)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("the PDF is encrypted with a password; save an unprotected copy")
        _ = len(reader.pages)
        return reader
    except DocumentError:
        raise
    except FileNotDecryptedError as exc:
        raise DocumentError(
            "the PDF is encrypted with a password; save an unprotected copy"
        ) from exc
    except NotImplementedError as exc:  # an encryption algorithm pypdf cannot handle
        raise DocumentError(f"the PDF's encryption is not supported: {exc}") from exc
    except Exception as exc:  # pypdf raises many types for damaged files
        raise DocumentError(f"not a readable PDF (corrupt or truncated): {exc}") from exc


def _check_complete(path: Path) -> None:
    """A file cut short in copying still parses in part; refuse it rather than index half."""
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 4096))
        tail = handle.read()
    if b"%PDF-" not in head:
        raise DocumentError("not a PDF file (no PDF header), although its name ends in .pdf")
    if b"%%EOF" not in tail:
        raise DocumentError("the PDF is truncated (its end is missing); copy the file again")


@dataclass
class PageRead:
    """What the steps across pages need of one page: its text, its lines (those of a ruled
    table replaced by its rows, :func:`ingest.table_rows.page_lines`) and the size and weight
    of its pieces. Where each piece stands (a tuple for every piece of text, the bulk of a
    page's data) is needed only to place the page's lines in its tables, so it is dropped
    there: a 2,000-page PDF does not hold the positions of all its text."""

    text: str
    lines: list[Line]
    typography: PageType  # its pieces; no spans


def page_text(reader: PdfReader, index: int) -> tuple[str, PageType]:
    try:
        return read_page(reader.pages[index])
    except Exception as exc:  # one damaged page must not lose the rest of the manual
        log.warning("page %d: text extraction failed: %s", index + 1, exc)
        return "", PageType()


def read_pages(reader: PdfReader, tables: Any, pages: range) -> list[PageRead]:
    """The pages ``pages`` of a PDF opened by pypdf (text) and by
    :func:`ingest.table_rows.open_tables` (ruled tables, read on pages with a text layer)."""
    read = []
    for index in pages:
        text, kind = page_text(reader, index)
        found = page_tables(tables, index) if kind.spans else []
        read.append(PageRead(text, page_lines(text, kind.spans, found), PageType(kind.pieces)))
    return read


def page_texts(path: Path, reader: PdfReader, threads: int) -> list[PageRead]:
    """Every page read, in order."""
    count = len(reader.pages)
    if threads < 2 or count < SPLIT_TEXT_PAGES:
        return _read_range(path, (0, count), reader)
    ranges = [(start, min(start + RANGE_PAGES, count)) for start in range(0, count, RANGE_PAGES)]
    read: list[PageRead] = []
    for part in in_processes(_read_range, path, ranges, threads):
        read.extend(part)
    return read


def _read_range(
    path: Path, pages: tuple[int, int], reader: PdfReader | None = None
) -> list[PageRead]:
    tables = open_tables(path)
    try:
        return read_pages(reader or open_pdf(path), tables, range(*pages))
    finally:
        if tables is not None:
            tables.close()


def in_processes(
    function: Callable[[Path, T], R], path: Path, items: list[T], threads: int
) -> Iterator[R]:
    """``function(path, item)`` for each item, in order, in ``threads`` processes of their own
    (spawned, not forked: the reader may hold onnxruntime or BLAS threads a fork would break)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        threads, mp_context=context, initializer=_child_setup, initargs=(os.getpid(),)
    ) as pool:
        yield from pool.map(function, [path] * len(items), items)


def _child_setup(parent: int) -> None:
    from ingest.ocr import use_threads
    from ingest.worker import die_with_parent

    die_with_parent(parent)
    use_threads(1)  # one OCR thread in each: the processes share the reader's cores
