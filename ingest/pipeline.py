"""Incremental batch ingestion: files in, cited chunks in the store and the keyword index.

Each document is written pending -> chunks -> complete, so a crash or Ctrl-C leaves at most one
pending document, which the next run removes before it carries on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from ingest.chunking import chunk_blocks
from ingest.limits import FileLimits
from ingest.model import Chunk, ParsedDocument
from ingest.pool import Parsed, ParsePool
from ingest.readers import SUPPORTED_SUFFIXES, unsupported_reason
from pagewise.catalog import Catalog, DocumentRecord
from pagewise.embedder import Embedder
from pagewise.errors import DocumentError
from pagewise.pageboxes import PageBoxes
from pagewise.store import Store

log = logging.getLogger(__name__)

# 2: layout headings, Word numbering, OCR, table headers; 3: PDF tables as rows; 4: contents
# lines not headings, OCR boxes kept; 5: tables ruled only across, leading empty cells, merged
# cells cut by a page; 6: contents not indexed, Markdown without markup, a section per slide,
# stacked sheet tables, chunks embedded and indexed under their heading path
PIPELINE_VERSION = "6"


@dataclass
class FileReport:
    path: str
    status: str  # added, updated, unchanged, failed, removed
    pages: int = 0
    chunks: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestSummary:
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files if f.status in ("added", "updated"))

    @property
    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0

    def as_dict(self) -> dict[str, object]:
        statuses = ("added", "updated", "unchanged", "removed", "failed")
        return {
            **{status: self.count(status) for status in statuses},
            "pages": self.pages,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "files": [asdict(f) for f in self.files],
        }


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
    where OCR read each scanned page's text is kept beside the chunks."""

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
        try:
            # Files are read by the pool, several at once; each is then chunked, embedded
            # and written here, one document at a time, in the order of the files.
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

    def ingest_file(
        self, path: Path, collection: str, on_page: PageProgress | None = None
    ) -> FileReport:
        job, readable = self._plan(path, collection)
        if readable is None:
            return self._finish(Parsed(job))
        pages = None if on_page is None else partial(on_page, str(path))
        try:
            return self._finish(Parsed(job, document=self.pool.read(readable, pages)))
        except Exception as exc:
            return self._finish(Parsed(job, error=exc))

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
            chunks = chunk_blocks(
                document.blocks, self.embedder.count_tokens, self.chunk_tokens, self.chunk_overlap
            )
            if not chunks:
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
            chunks=len(chunks),
            status="pending",
            ingested_at=time.time(),
        )
        self._write(record, document, chunks)
        status = "updated" if job.replaces else "added"
        return FileReport(
            shown, status, document.page_count, len(chunks), warnings=document.warnings
        )

    def _write(self, record: DocumentRecord, parsed: ParsedDocument, chunks: list[Chunk]) -> None:
        self.catalog.begin(record)
        self.store.delete_document(record.doc_id)
        ids = [f"{record.doc_id}:{record.content_hash[:12]}:{c.index}" for c in chunks]
        for start in range(0, len(chunks), self.batch_size):
            batch = chunks[start : start + self.batch_size]
            vectors = self.embedder.embed([embedding_text(c) for c in batch])
            self.store.add(
                ids[start : start + len(batch)],
                vectors,
                [c.text for c in batch],
                [chunk_metadata(record, parsed, c) for c in batch],
            )
        terms = [(chunk_id, embedding_text(c)) for chunk_id, c in zip(ids, chunks, strict=True)]
        if self.page_boxes is not None:  # before complete: a crash here leaves it pending
            self.page_boxes.write(record.doc_id, parsed.boxes)
        self.catalog.complete(record.doc_id, parsed.page_count, terms, record.collection)

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


def embedding_text(chunk: Chunk) -> str:
    # Embedded and keyword-indexed under its heading path ("管理服务 > 管理系统服务"):
    # the context a question names, with the chapter a bare sub-heading leaves out.
    return f"{chunk.section_path}\n{chunk.text}" if chunk.section_path else chunk.text


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


def document_id(collection: str, path: Path) -> str:
    key = f"{collection}\0{path.resolve()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileReport]]:
    """Supported files under ``paths`` (recursively, sorted), and reports for the rest."""
    files: list[Path] = []
    rejected: list[FileReport] = []
    for path in paths:
        if path.is_dir():
            for child in _walk(path):
                if child.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(child)
                else:
                    rejected.append(_unsupported(child))
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(path)
            else:
                rejected.append(_unsupported(path))
        else:
            rejected.append(FileReport(str(path), "failed", reason="no such file or folder"))
    return sorted(set(files)), rejected


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.rglob("*")):
        relative = child.relative_to(folder)
        hidden = any(part.startswith((".", "~$")) for part in relative.parts)
        if child.is_file() and not hidden:
            yield child


def _unsupported(path: Path) -> FileReport:
    return FileReport(str(path), "failed", reason=unsupported_reason(path))
