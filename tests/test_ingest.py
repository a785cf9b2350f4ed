import shutil
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from pagewise.embedder import Embedder
from pagewise.settings import Settings
from ui.components import Components, build

GOOD = ["folio.pdf", "guide.md", "handbook.docx", "manual.pdf", "notes.txt"]
BAD = {
    "empty.txt": "empty",
    "encrypted.pdf": "encrypted",
    "legacy.doc": "unsupported file type .doc",
    "not-a-pdf.pdf": "not a PDF",
    "scanned.pdf": "no text layer",
    "truncated.pdf": "truncated",
}


@pytest.fixture
def library(tmp_path: Path, fixtures: Path) -> Path:
    """A folder of manuals, good and bad, in nested folders."""
    folder = tmp_path / "manuals"
    (folder / "nested").mkdir(parents=True)
    for name in GOOD[:3] + list(BAD):
        shutil.copy(fixtures / name, folder / name)
    for name in GOOD[3:]:
        shutil.copy(fixtures / name, folder / "nested" / name)
    return folder


def _store_count(components: Components) -> int:
    return components.store.count()


def _catalog_chunks(components: Components) -> int:
    return sum(d.chunks for d in components.catalog.documents())


def test_bad_files_are_reported_and_skipped_while_the_batch_goes_on(
    components: Components, library: Path
) -> None:
    summary = components.ingestor().ingest([library], "default")
    by_name = {Path(f.path).name: f for f in summary.files}
    assert sorted(n for n, f in by_name.items() if f.status == "added") == GOOD
    for name, reason in BAD.items():
        assert by_name[name].status == "failed"
        assert reason in by_name[name].reason
    assert summary.failed
    # The index holds exactly the good documents, fully.
    assert len(components.catalog.documents()) == len(GOOD)
    assert _store_count(components) == _catalog_chunks(components) == summary.chunks


def test_rerun_on_the_same_folder_changes_nothing(components: Components, library: Path) -> None:
    first = components.ingestor().ingest([library], "default")
    count = _store_count(components)
    second = components.ingestor().ingest([library], "default")
    assert second.count("unchanged") == len(GOOD)
    assert second.count("added") == second.count("updated") == 0
    assert _store_count(components) == count == first.chunks


def test_changed_file_replaces_its_old_chunks(components: Components, tmp_path: Path) -> None:
    doc = tmp_path / "policy.md"
    doc.write_text("# 休假制度\n\n年假每年 10 天。\n", encoding="utf-8")
    components.ingestor().ingest([doc], "default")
    doc.write_text("# 休假制度\n\n年假每年 15 天，可以跨年使用。\n", encoding="utf-8")
    summary = components.ingestor().ingest([doc], "default")
    assert summary.files[0].status == "updated"
    texts = [p.text for p in components.retriever().search("年假有几天", k=5)]
    assert texts == ["年假每年 15 天，可以跨年使用。"]
    assert _store_count(components) == 1


def test_prune_removes_documents_whose_file_is_gone(components: Components, library: Path) -> None:
    components.ingestor().ingest([library], "default")
    (library / "guide.md").unlink()
    summary = components.ingestor().ingest([], "default", prune=True)
    assert [(Path(f.path).name, f.status) for f in summary.files] == [("guide.md", "removed")]
    assert "guide.md" not in {Path(d.path).name for d in components.catalog.documents()}
    assert _store_count(components) == _catalog_chunks(components)
    assert all(p.doc != "guide.md" for p in components.retriever().search("安装脚本 磁盘空间"))


class _InterruptingEmbedder:
    """The real embedder, with a Ctrl-C arriving at the n-th call."""

    def __init__(self, inner: Embedder, interrupt_at: int) -> None:
        self.inner = inner
        self.name = inner.name
        self.calls = 0
        self.interrupt_at = interrupt_at

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return self.inner.embed(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def test_interrupted_ingest_leaves_no_half_document_and_rerun_finishes(
    settings: Settings, embedder: Embedder, shared_manual: Path, fixtures: Path, tmp_path: Path
) -> None:
    # Files are ingested in path order: the small manual first wherever the checkout lies.
    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    small = Path(shutil.copy(fixtures / "manual.pdf", tmp_path / "1"))
    shared_manual = Path(shutil.copy(shared_manual, tmp_path / "2"))
    interrupting = _InterruptingEmbedder(embedder, interrupt_at=4)
    components = build(settings, embedder=interrupting)
    ingestor = components.ingestor(workers=2)
    ingestor.batch_size = 16
    with pytest.raises(KeyboardInterrupt):
        ingestor.ingest([small, shared_manual], "default")
    assert ingestor.pool.child_pids() == []  # the readers were stopped with the batch
    # The first manual is fully in; the interrupted one is invisible to search.
    assert [Path(d.path).name for d in components.catalog.documents()] == ["manual.pdf"]
    hits = components.retriever().search("常量命名", k=10)
    assert all(p.doc == "manual.pdf" for p in hits)
    components.close()

    fresh = build(settings, embedder=embedder)
    summary = fresh.ingestor().ingest([small, shared_manual], "default")
    assert [f.status for f in summary.files] == ["unchanged", "added"]
    assert fresh.catalog.pending_ids() == []
    assert _store_count(fresh) == _catalog_chunks(fresh)
    fresh.close()


def test_collections_keep_documents_apart(components: Components, fixtures: Path) -> None:
    ingestor = components.ingestor()
    ingestor.ingest([fixtures / "handbook.docx"], "hr")
    ingestor.ingest([fixtures / "folio.pdf"], "ops")
    hr_only = components.retriever().search("日志保留多少天", k=5, collections=["hr"])
    assert hr_only and all(p.collection == "hr" for p in hr_only)
    assert components.retriever().search("日志保留多少天", collections=[]) == []


def test_ingest_and_search_open_no_network_connection(
    components: Components, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"network connection attempted to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    components.ingestor().ingest([fixtures / "manual.pdf"], "default")
    assert components.retriever().search("密码多久更换一次")
