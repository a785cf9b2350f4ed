"""Ingestion with several readers: the same index as with one, and a crash or Ctrl-C while
several files are being read leaves no half document."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hostile_files as hostile
import pytest

from ingest.chunking import chunk_blocks
from ingest.limits import FileLimits
from ingest.pipeline import FileReport, Ingestor
from ingest.pool import ParsePool, default_workers
from ingest.prepare import PrepareSpec, embedding_text
from pagewise.embedder import Embedder, UseEmbedder, recipe
from pagewise.settings import Settings
from pagewise.store import ChromaStore, Metadata, Store, StoredChunk
from ui.components import Components, build

FILES = ["folio.pdf", "guide.md", "handbook.docx", "manual.pdf", "notes.txt", "truncated.pdf"]


Written = dict[str, tuple[str, Metadata, list[float]]]  # id -> text, metadata, vector


class _RecordingStore:
    """The real store, remembering what was written to it (id -> text, metadata, vector)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.written: Written = {}

    def add(
        self,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
    ) -> None:
        self.inner.add(ids, embeddings, texts, metadatas)
        for chunk_id, vector, text, metadata in zip(ids, embeddings, texts, metadatas, strict=True):
            self.written[chunk_id] = (text, metadata, list(vector))

    def delete_document(self, doc_id: str) -> None:
        self.inner.delete_document(doc_id)
        self.written = {k: v for k, v in self.written.items() if v[1]["doc_id"] != doc_id}

    def query(self, *args: Any, **kwargs: Any) -> list[StoredChunk]:
        return self.inner.query(*args, **kwargs)

    def nearest(self, *args: Any, **kwargs: Any) -> list[tuple[str, float]]:
        return self.inner.nearest(*args, **kwargs)

    def get(
        self,
        ids: Sequence[str],
        query: Sequence[float] | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[StoredChunk]:
        return self.inner.get(ids, query, collections)

    def count(self) -> int:
        return self.inner.count()


def _library(fixtures: Path, folder: Path) -> Path:
    folder.mkdir()
    for name in FILES:
        shutil.copy(fixtures / name, folder / name)
    return folder


def _index(settings: Settings, embedder: Embedder) -> tuple[Components, _RecordingStore]:
    store = _RecordingStore(ChromaStore(settings, embedder.name))
    return build(settings, embedder=embedder, store=store), store


def _catalog(components: Components) -> list[tuple[object, ...]]:
    return sorted(
        (d.doc_id, d.title, d.pages, d.chunks, d.content_hash, d.status)
        for d in components.catalog.documents(status=None)
    )


def assert_same_chunks(written: Written, expected: Written) -> None:
    """The same ids, texts and metadata exactly; vectors up to float rounding: embedded in
    other batches or on another number of threads, on some CPUs the kernels round the last bit
    otherwise (differences of 1e-7 were seen on a fresh machine)."""
    assert written.keys() == expected.keys()
    for chunk_id, (text, metadata, vector) in expected.items():
        other_text, other_metadata, other_vector = written[chunk_id]
        assert (other_text, other_metadata) == (text, metadata)
        assert other_vector == pytest.approx(vector, abs=1e-5)


def _assert_consistent(components: Components, store: _RecordingStore) -> None:
    """No pending document; the store holds exactly the chunks the catalog counts."""
    assert components.catalog.pending_ids() == []
    assert (
        store.count() == sum(d.chunks for d in components.catalog.documents()) == len(store.written)
    )
    held = store.get(list(store.written))
    assert sorted(c.chunk_id for c in held) == sorted(store.written)


def test_three_workers_write_the_same_chunks_and_ids_as_one(
    tmp_path: Path, fixtures: Path, embedder: Embedder
) -> None:
    library = _library(fixtures, tmp_path / "manuals")
    results = []
    for workers in (1, 3):
        settings = Settings(data_dir=tmp_path / f"data-{workers}")
        components, store = _index(settings, embedder)
        summary = components.ingestor(workers).ingest([library], "default")
        _assert_consistent(components, store)
        reports = [
            (Path(f.path).name, f.status, f.pages, f.chunks, f.reason) for f in summary.files
        ]
        results.append((reports, _catalog(components), store.written))
        components.close()
    (one_reports, one_catalog, one_chunks), (three_reports, three_catalog, three_chunks) = results
    assert three_reports == one_reports  # the same order and outcome, file by file
    assert [r[1] for r in one_reports].count("added") == 5
    assert three_catalog == one_catalog
    assert_same_chunks(three_chunks, one_chunks)


def test_a_reader_killed_mid_batch_fails_only_its_file(
    tmp_path: Path, fixtures: Path, embedder: Embedder
) -> None:
    library = _library(fixtures, tmp_path / "manuals")
    # Read for minutes by a real reader: its child is certainly busy when it is killed.
    slow = library / "manual-slow.pdf"
    slow.write_bytes(hostile.pdf_slow_to_read(100_000))
    settings = Settings(data_dir=tmp_path / "data", parse_timeout=120)
    components, store = _index(settings, embedder)
    ingestor = components.ingestor(workers=2)
    killed: list[int] = []

    def kill_the_slow_reader(report: FileReport) -> None:
        if killed:
            return
        deadline = time.monotonic() + 30
        while slow not in ingestor.pool.reading() and time.monotonic() < deadline:
            time.sleep(0.05)
        killed.append(ingestor.pool.reading()[slow])
        os.kill(killed[0], signal.SIGKILL)

    summary = ingestor.ingest([library], "default", on_file=kill_the_slow_reader)
    by_name = {Path(f.path).name: f for f in summary.files}
    assert "reader crashed on it (killed by signal 9)" in by_name[slow.name].reason
    # Files after it in the batch were read and written whole all the same.
    assert by_name["notes.txt"].status == by_name["manual.pdf"].status == "added"
    assert summary.count("added") == 5
    _assert_consistent(components, store)
    assert ingestor.pool.child_pids() == []

    slow.unlink()
    again = components.ingestor(workers=2).ingest([library], "default")
    assert again.count("unchanged") == 5
    _assert_consistent(components, store)
    components.close()


class _InterruptedStore(_RecordingStore):
    """Ctrl-C arrives while the n-th batch of chunks is being written."""

    def __init__(self, inner: Store, interrupt_at: int) -> None:
        super().__init__(inner)
        self.calls = 0
        self.interrupt_at = interrupt_at

    def add(self, ids: Sequence[str], *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        super().add(ids, *args, **kwargs)


def test_ctrl_c_with_workers_leaves_no_half_document_and_no_reader(
    tmp_path: Path, fixtures: Path, embedder: Embedder
) -> None:
    library = _library(fixtures, tmp_path / "manuals")
    settings = Settings(data_dir=tmp_path / "data")
    store = _InterruptedStore(ChromaStore(settings, embedder.name), interrupt_at=3)
    components = build(settings, embedder=embedder, store=store)
    ingestor: Ingestor = components.ingestor(workers=2)
    ingestor.batch_size = 2
    with pytest.raises(KeyboardInterrupt):
        ingestor.ingest([library], "default")
    assert ingestor.pool.child_pids() == []
    interrupted = components.catalog.pending_ids()
    assert len(interrupted) == 1
    # Search never sees the half-written document.
    assert all(p.doc_id not in interrupted for p in components.retriever().search("日志", k=20))

    summary = components.ingestor(workers=2).ingest([library], "default")  # the next run
    assert summary.count("added") + summary.count("unchanged") == 5
    _assert_consistent(components, store)
    components.close()


def test_a_reader_chunks_and_embeds_as_the_parent_would(fixtures: Path, embedder: Embedder) -> None:
    spec = PrepareSpec(
        "use-multilingual-v3", threads=1, chunk_tokens=200, chunk_overlap=30, batch_size=8
    )
    with ParsePool(1, FileLimits()) as pool:
        plain = pool.read(fixtures / "manual.pdf")
        pool.prepare = spec
        document = pool.read(fixtures / "manual.pdf")
    assert document.prepared is not None and document.blocks == []
    assert (document.title, document.page_count) == (plain.title, plain.page_count)
    chunks = chunk_blocks(plain.blocks, embedder.count_tokens, 200, 30)
    assert document.prepared.chunks == chunks
    expected = [
        v
        for s in range(0, len(chunks), 8)
        for v in embedder.embed([embedding_text(c) for c in chunks[s : s + 8]])
    ]
    # The same batches; up to float rounding, since the reader embeds on one thread and the
    # parent on several, and on some CPUs that changes the last bit (1e-7 on a fresh machine).
    assert len(document.prepared.vectors) == len(expected)
    for vector, parents in zip(document.prepared.vectors, expected, strict=True):
        assert list(vector) == pytest.approx(list(parents), abs=1e-5)


def test_the_default_embedder_embeds_in_the_readers_not_in_the_parent(
    tmp_path: Path, fixtures: Path
) -> None:
    library = _library(fixtures, tmp_path / "manuals")
    fresh = UseEmbedder()  # its weights load on its first embed, here or never
    components, store = _index(Settings(data_dir=tmp_path / "data"), fresh)
    summary = components.ingestor(workers=2).ingest([library], "default")
    assert summary.count("added") == 5
    assert fresh._model._backend is None  # the parent never embedded
    _assert_consistent(components, store)
    components.close()


class _CountingEmbedder:
    """An embedder passed in by a caller: it cannot be rebuilt in a reader."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.texts += len(texts)
        return self.inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def test_an_embedder_passed_in_embeds_in_the_parent(
    tmp_path: Path, fixtures: Path, embedder: Embedder
) -> None:
    library = _library(fixtures, tmp_path / "manuals")
    counting = _CountingEmbedder(embedder)
    assert recipe(counting) is None
    components, store = _index(Settings(data_dir=tmp_path / "data"), counting)
    summary = components.ingestor(workers=2).ingest([library], "default")
    assert summary.count("added") == 5
    assert counting.texts == summary.chunks  # every chunk embedded here, by the one passed in
    _assert_consistent(components, store)
    components.close()


def test_a_batch_of_one_file_embeds_on_every_core(tmp_path: Path, embedder: Embedder) -> None:
    components = build(Settings(data_dir=tmp_path / "data"), embedder=embedder)
    ingestor = components.ingestor(workers=2)
    ingestor._share_cores(1)
    assert ingestor.pool.threads == default_workers()
    ingestor._share_cores(10)
    assert ingestor.pool.threads == max(1, default_workers() // 2)
    spec = ingestor.pool.prepare
    assert spec is not None and spec.threads == ingestor.pool.threads  # OCR and embedding
    components.close()


def test_a_reader_stops_when_its_parent_is_killed(tmp_path: Path) -> None:
    slow = tmp_path / "slow.pdf"
    slow.write_bytes(hostile.pdf_slow_to_read(100_000))
    script = (
        "import sys, threading\n"
        "from pathlib import Path\n"
        "from ingest.limits import FileLimits\n"
        "from ingest.pool import ParsePool\n"
        "pool = ParsePool(1, FileLimits())\n"
        "threading.Thread(target=pool.read, args=(Path(sys.argv[1]),), daemon=True).start()\n"
        "threading.Event().wait()\n"
    )
    repo = str(Path(__file__).resolve().parent.parent)
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(slow)], cwd=repo, env={**os.environ, "PYTHONPATH": repo}
    )
    deadline = time.monotonic() + 60
    while not (children := _children(parent.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert children, "the reader never started"
    parent.kill()  # SIGKILL: no finally, no Ctrl-C handling
    parent.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, children)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(_alive, children))


def _children(pid: int) -> list[int]:
    tasks = Path(f"/proc/{pid}/task")
    found = []
    for task in tasks.iterdir() if tasks.exists() else []:
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended, unreaped
