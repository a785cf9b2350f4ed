"""Incremental batch ingestion: files in, cited chunks in the store and the keyword index.

Each document is written pending -> chunks -> complete, so a crash or Ctrl-C leaves at most one
pending document, which the next run removes before it carries on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.chunking import chunk_blocks
from ingest.files import collect_files, document_id, file_hash
from ingest.limits import FileLimits
from ingest.model import Chunk, ParsedDocument
from ingest.pool import Parsed, ParsePool, default_workers
from ingest.prepare import STREAM_CHUNKS, PrepareSpec, embedding_text
from ingest.report import FileReport, IngestSummary
from pagewise.catalog import Catalog, DocumentRecord
from pagewise.embedder import Embedder, recipe
from pagewise.errors import DocumentError
from pagewise.pageboxes import PageBoxes
from pagewise.store import Store

__all__ = ["FileReport", "IngestSummary", "Ingestor", "collect_files", "document_id", "file_hash"]

log = logging.getLogger(__name__)

# 2: layout headings, Word numbering, OCR, table headers; 3: PDF tables as rows; 4: contents
# lines not headings, OCR boxes kept; 5: tables ruled only across, leading empty cells, merged
# cells cut by a page; 6: contents not indexed, Markdown without markup, a section per slide,
# stacked sheet tables, chunks embedded and indexed under their heading path; 7: Markdown
# escapes read in HTML table cells too; 8: English words stemmed in the keyword index; 9: PDF
# Type 3 fonts with code-named glyphs read as their codes (ingest/fonts.py); 10: the words of a
# name joined by "_" indexed too (pagewise/keywords.py)
PIPELINE_VERSION = "10"


Progress = Callable[[FileReport], None]
# A file's path, its pages read by OCR so far and the pages to read: OCR takes seconds a page,
# so a long scan is followed page by page, not only when the file is done.
PageProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class _Job:
    """A file to read and write: what was known of it before reading."""

    path: Path
    collection: str
    doc_id: str
    content_hash: str
    replaces: bool  # the catalog holds an older version of it


def _by_name(on_page: PageProgress) -> Callable[[Path, int, int], None]:
    return lambda path, done, total: on_page(str(path), done, total)


class Ingestor:
    """Ingests files into one store; all collaborators are passed in. Files are read in child
    processes under ``limits`` (:mod:`ingest.worker`), ``workers`` at a time (:mod:`ingest.pool`);
    the store and the catalog are written by the calling thread alone. With ``page_boxes``,
    where OCR read each scanned page's text is kept beside the chunks.

    When ``embedder`` can be rebuilt from its name (:func:`pagewise.embedder.recipe`), each
    reader also chunks and embeds its file with an embedder of its own on ``embed_threads``
    threads (default: the cores shared among the readers busy at once, so a batch of one file
    embeds on every core too), and the parent only writes. Any other embedder (one a caller
    passed in) chunks and embeds here, as before."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        embedder: Embedder,
        chunk_tokens: int = 200,
        chunk_overlap: int = 30,
        batch_size: int = 32,
        ocr: str = "auto",
        limits: FileLimits | None = None,
        worker_log: Path | None = None,
        workers: int = 1,
        page_boxes: PageBoxes | None = None,
        embed_threads: int | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.embedder = embedder
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.batch_size = batch_size
        self.ocr = ocr
        self.pool = ParsePool(workers, limits or FileLimits(), ocr, worker_log)
        self.page_boxes = page_boxes
        self.embed_threads = embed_threads  # None: chosen for each batch
        self.stream_chunks = STREAM_CHUNKS  # chunks a reader sends at a time
        self.signature = f"{embedder.name}|{chunk_tokens}|{chunk_overlap}|v{PIPELINE_VERSION}"
        if ocr != "auto":  # documents read before OCR settings existed were read as "auto"
            self.signature += f"|ocr={ocr}"

    def recover(self) -> int:
        """Undo documents left half-written by an interrupted run."""
        pending = self.catalog.pending_ids()
        for doc_id in pending:
            self.delete(doc_id)
        if pending:
            log.info("removed %d document(s) left half-written by an interrupted run", len(pending))
        return len(pending)

    def ingest(
        self,
        paths: Iterable[Path],
        collection: str,
        prune: bool = False,
        on_file: Progress | None = None,
        on_page: PageProgress | None = None,
    ) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        self.recover()
        files, rejected = collect_files(paths)
        for report in rejected:
            summary.files.append(report)
            if on_file:
                on_file(report)
        self._share_cores(len(files))
        try:
            # Files are read (and chunked and embedded, see _prepare_spec) by the pool,
            # several at once; each is written here, one document at a time, in file order.
            plans = (self._plan(path, collection) for path in files)
            pages = None if on_page is None else _by_name(on_page)
            for parsed in self.pool.map(plans, pages):
                report = self._finish(parsed)
                summary.files.append(report)
                if on_file:
                    on_file(report)
        finally:
            self.pool.close()  # no reader process outlives its batch, Ctrl-C or not
        if prune:
            for report in self.prune(collection):
                summary.files.append(report)
                if on_file:
                    on_file(report)
        summary.seconds = time.perf_counter() - started
        return summary

    def _share_cores(self, files: int) -> None:
        """The cores shared among the readers busy at once on ``files`` files, for their OCR
        and embedding: a thread a core, as more would only spin against each other."""
        busy = max(1, min(self.pool.workers, files))
        self.pool.threads = self.embed_threads or max(1, default_workers() // busy)
        self.pool.prepare = self._prepare_spec(self.pool.threads)

    def _prepare_spec(self, threads: int) -> PrepareSpec | None:
        """How the readers chunk and embed, or None: this embedder cannot be rebuilt in a
        reader (one passed in by a caller), so it chunks and embeds here."""
        name = recipe(self.embedder)
        if name is None:
            return None
        return PrepareSpec(
            name,
            threads,
            self.chunk_tokens,
            self.chunk_overlap,
            self.batch_size,
            self.stream_chunks,
        )

    def _plan(self, path: Path, collection: str) -> tuple[_Job | FileReport, Path | None]:
        """What to do with ``path``: a report when it needs no reading, else a job to read."""
        shown = str(path)
        try:
            content_hash = file_hash(path)
        except OSError as exc:
            return FileReport(shown, "failed", reason=f"cannot read the file: {exc.strerror}"), None
        doc_id = document_id(collection, path)
        existing = self.catalog.get(doc_id)
        if (
            existing
            and existing.status == "complete"
            and existing.content_hash == content_hash
            and existing.signature == self.signature
        ):
            return FileReport(shown, "unchanged", existing.pages, existing.chunks), None
        return _Job(path, collection, doc_id, content_hash, existing is not None), path

    def _finish(self, parsed: Parsed[_Job | FileReport]) -> FileReport:
        job = parsed.job
        if isinstance(job, FileReport):
            return job
        shown = str(job.path)
        try:
            if parsed.error is not None:
                raise parsed.error
            assert parsed.document is not None
            document = parsed.document
            chunks: list[Chunk] = []
            if document.prepared is not None:  # chunked and embedded by its reader
                count = document.prepared.count
            else:
                chunks = chunk_blocks(
                    document.blocks,
                    self.embedder.count_tokens,
                    self.chunk_tokens,
                    self.chunk_overlap,
                )
                count = len(chunks)
            if not count:
                raise DocumentError("no text to index")
        except DocumentError as exc:
            return FileReport(shown, "failed", reason=str(exc))
        except Exception as exc:  # a reader bug on one file must not stop the batch
            log.error("unexpected error reading %s", job.path, exc_info=exc)
            return FileReport(shown, "failed", reason=f"could not be read: {exc}")

        record = DocumentRecord(
            doc_id=job.doc_id,
            collection=job.collection,
            path=str(job.path.resolve()),
            title=document.title,
            kind=document.kind,
            content_hash=job.content_hash,
            signature=self.signature,
            pages=document.page_count,
            chunks=count,
            status="pending",
            ingested_at=time.time(),
        )
        self._write(record, document, chunks)
        status = "updated" if job.replaces else "added"
        return FileReport(shown, status, document.page_count, count, warnings=document.warnings)

    def _write(self, record: DocumentRecord, parsed: ParsedDocument, chunks: list[Chunk]) -> None:
        """Pending, its chunks ``batch_size`` at a time, complete. A reader's chunks come from
        the file they wait in (``parsed.prepared``), a batch at a time: a long document is
        never all in memory here; else ``chunks`` are embedded here."""
        self.catalog.begin(record)
        self.store.delete_document(record.doc_id)
        prefix = f"{record.doc_id}:{record.content_hash[:12]}"
        batches = self._embedded(chunks) if parsed.prepared is None else parsed.prepared.batches()
        for part, part_vectors in batches:
            for start in range(0, len(part), self.batch_size):
                batch = part[start : start + self.batch_size]
                self.store.add(
                    [f"{prefix}:{c.index}" for c in batch],
                    part_vectors[start : start + len(batch)],
                    [c.text for c in batch],
                    [chunk_metadata(record, parsed, c) for c in batch],
                )
        if self.page_boxes is not None:  # before complete: a crash here leaves it pending
            self.page_boxes.write(record.doc_id, parsed.boxes)
        # The keyword entries, a chunk at a time (a reader's chunks read from their file again).
        stored = chunks if parsed.prepared is None else parsed.prepared.each_chunk()
        terms = ((f"{prefix}:{c.index}", embedding_text(c)) for c in stored)
        self.catalog.complete(record.doc_id, parsed.page_count, terms, record.collection)

    def _embedded(self, chunks: list[Chunk]) -> Iterator[tuple[list[Chunk], list[list[float]]]]:
        for start in range(0, len(chunks), self.batch_size):
            batch = chunks[start : start + self.batch_size]
            yield batch, self.embedder.embed([embedding_text(c) for c in batch])

    def prune(self, collection: str) -> list[FileReport]:
        """Remove the documents of ``collection`` whose file is gone."""
        reports = []
        for record in self.catalog.documents(collection, status=None):
            if not Path(record.path).is_file():
                self.delete(record.doc_id)
                reports.append(FileReport(record.path, "removed", record.pages, record.chunks))
        return reports

    def delete(self, doc_id: str) -> None:
        self.store.delete_document(doc_id)
        if self.page_boxes is not None:
            self.page_boxes.delete(doc_id)
        self.catalog.remove(doc_id)


def chunk_metadata(
    record: DocumentRecord, parsed: ParsedDocument, chunk: Chunk
) -> dict[str, str | int]:
    return {
        "doc_id": record.doc_id,
        "collection": record.collection,
        "path": record.path,
        "title": parsed.title,
        "kind": parsed.kind,
        "content_hash": record.content_hash,
        "page": chunk.page,
        "page_end": chunk.page_end,
        "page_label": chunk.page_label or "",
        "page_label_end": chunk.page_label_end or "",
        "section": chunk.section,
        "section_path": chunk.section_path,
        "chunk_index": chunk.index,
    }
