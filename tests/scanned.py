"""The scanned guide (five pages read by OCR, seconds a page), ingested once for the whole run:
the OCR tests look both at what the reader gave and at what was indexed, from that one read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.model import ParsedDocument
from ingest.ocr import PageProgress
from ingest.pipeline import IngestSummary
from ingest.pool import ParsePool
from pagewise.embedder import Embedder
from pagewise.settings import Settings
from ui.components import Components, build

SCANNED = Path(__file__).resolve().parent.parent.parent / "shared" / "docs"
SCANNED = SCANNED / "openeuler-hardening-zh-scanned.pdf"
QUESTION = "口令连续输错几次后账户会被锁定？"  # answered on page 2 of the scan


@dataclass
class ReaderOutput:
    """What the reader child gave for one file: its document, and each (done, total) it reported
    as it read a page by OCR, heard in the parent."""

    parsed: ParsedDocument
    progress: list[tuple[int, int]]


class KeepingPool(ParsePool):
    """The ingestor's own pool (real children, the same limits), which also keeps what each
    child read, so that the reader's output need not be read a second time."""

    def __init__(self, pool: ParsePool) -> None:
        super().__init__(pool.workers, pool.limits, pool.ocr, pool.log_file)
        self.kept: dict[Path, ReaderOutput] = {}

    def read(self, path: Path, on_page: PageProgress | None = None) -> ParsedDocument:
        progress: list[tuple[int, int]] = []

        def heard(done: int, total: int) -> None:
            progress.append((done, total))
            if on_page is not None:
                on_page(done, total)

        parsed = super().read(path, heard)
        self.kept[path] = ReaderOutput(parsed, progress)
        return parsed


@dataclass
class ScanIndex:
    components: Components
    summary: IngestSummary
    read: ReaderOutput  # what the reader child gave the ingestor
    pages: list[tuple[str, int, int]] = field(default_factory=list)  # the ingestion's progress


def ingest_scan(root: Path, embedder: Embedder) -> ScanIndex:
    # Session-scoped: made before the per-test environment, so its secrets are named here.
    settings = Settings(
        data_dir=root / "data",
        ocr="auto",
        audit_key_file=root / "audit.key",
        audit_checkpoint_file=root / "audit-checkpoint.jsonl",
    )
    components = build(settings, embedder=embedder)
    ingestor = components.ingestor()
    pool = ingestor.pool = KeepingPool(ingestor.pool)
    pages: list[tuple[str, int, int]] = []
    summary = ingestor.ingest(
        [SCANNED], "default", on_page=lambda path, done, total: pages.append((path, done, total))
    )
    assert not summary.failed, summary.as_dict()
    return ScanIndex(components, summary, pool.kept[SCANNED], pages)


def page_text(parsed: ParsedDocument, page: int) -> str:
    """The text the reader gave for ``page``: its chunks when the reader also chunked (the
    blocks then stay in the child), else its blocks."""
    if parsed.prepared is not None:
        chunks = parsed.prepared.chunks
        return " ".join(c.text for c in chunks if c.page <= page <= c.page_end)
    return " ".join(b.text for b in parsed.blocks if b.page == page)
