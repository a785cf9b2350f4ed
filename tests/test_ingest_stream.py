"""A reader sends a document's chunks in batches as it embeds them: the parent gets the same
chunks and vectors as in one piece, and a reader that dies half-way through the stream leaves
the document out of the index (an older version of it stays in, whole)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest
from test_ingest_pool import _index

from ingest.limits import FileLimits
from ingest.pool import ParsePool
from ingest.prepare import PrepareSpec
from pagewise.embedder import Embedder
from pagewise.settings import Settings


def _spec(stream_chunks: int) -> PrepareSpec:
    return PrepareSpec(
        "use-multilingual-v3",
        threads=1,
        chunk_tokens=200,
        chunk_overlap=30,
        batch_size=1,
        stream_chunks=stream_chunks,
    )


def test_chunks_sent_in_batches_are_those_sent_in_one_piece(fixtures: Path) -> None:
    with ParsePool(1, FileLimits()) as pool:
        pool.prepare = _spec(2)
        streamed = pool.read(fixtures / "manual.pdf")
        pool.prepare = _spec(100_000)
        whole = pool.read(fixtures / "manual.pdf")
    assert streamed.prepared is not None and whole.prepared is not None
    streamed.prepared.spool.seek(0)
    batches = len(streamed.prepared.spool.readlines())
    assert streamed.prepared.count == whole.prepared.count > 2
    assert batches == -(-streamed.prepared.count // 2)  # two chunks a line
    assert streamed.prepared.chunks == whole.prepared.chunks
    assert streamed.prepared.vectors == whole.prepared.vectors  # float32, bit for bit
    assert (streamed.title, streamed.page_count) == (whole.title, whole.page_count)


class _DyingSpool:
    """The parent's temporary file for a document's batches: the reader is killed as its
    first batch arrives, so the rest of the stream never comes."""

    def __init__(self, pool: ParsePool) -> None:
        self.pool = pool
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the worker)

    def write(self, data: bytes) -> int:
        for pid in self.pool.reading().values():
            os.kill(pid, signal.SIGKILL)
        return self.file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)


def test_a_reader_that_dies_mid_stream_leaves_the_document_out(
    tmp_path: Path, fixtures: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "manuals"
    library.mkdir()
    manual = library / "manual.pdf"
    shutil.copy(fixtures / "manual.pdf", manual)
    components, store = _index(Settings(data_dir=tmp_path / "data"), embedder)

    def ingest(dying: bool) -> Any:
        ingestor = components.ingestor(workers=1)
        ingestor.batch_size, ingestor.stream_chunks = 1, 1  # a chunk a batch
        with monkeypatch.context() as patch:
            if dying:
                patch.setattr("ingest.worker._spool", lambda: _DyingSpool(ingestor.pool))
            return ingestor.ingest([library], "default").files[0]

    report = ingest(dying=True)  # a new document: nothing of it is written
    assert report.status == "failed" and "crashed" in report.reason, report
    assert store.written == {} and components.catalog.documents("default", status=None) == []

    assert ingest(dying=False).status == "added"
    before = dict(store.written)
    assert len(before) > 2

    with manual.open("ab") as handle:  # a new version of the file
        handle.write(b"\n% revised\n")
    report = ingest(dying=True)
    assert report.status == "failed" and "crashed" in report.reason, report
    assert components.catalog.pending_ids() == []
    assert store.written == before  # the older version, whole
    [record] = components.catalog.documents("default", status=None)
    assert record.status == "complete" and record.chunks == len(before)

    assert ingest(dying=False).status == "updated"
    assert len(store.written) == len(before)
    components.close()
