"""One Chroma collection per access collection: a forbidden chunk is never read, pending
documents never surface, and an index written in the old single-collection layout is moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from indexes import IndexCopy

from pagewise import keyword_tables
from pagewise.catalog import Catalog, DocumentRecord
from pagewise.embedder import Embedder
from pagewise.settings import Settings
from pagewise.store import PENDING_MARGIN, ChromaStore
from ui.components import build

DIM = 8


@pytest.fixture
def chroma_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the Chroma collections whose chunks were queried or fetched."""
    from chromadb.api.models.Collection import Collection

    touched: list[str] = []
    for method in ("query", "get"):
        original = getattr(Collection, method)

        def spy(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            touched.append(self.name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Collection, method, spy)
    yield touched


def _vector(*head: float) -> list[float]:
    return [*head, *([0.0] * (DIM - len(head)))]


def _meta(doc_id: str, collection: str) -> dict[str, str | int]:
    return {"doc_id": doc_id, "collection": collection, "page": 1}


def _crowded_store(settings: Settings, collection: str) -> ChromaStore:
    """A store where the chunks of a pending document "p" (in engineering) are nearer the
    question (the first axis) than any chunk of the complete document "c" (in ``collection``):
    the top hits are all pending."""
    store = ChromaStore(settings, "test-embedder")
    crowd = 5 + PENDING_MARGIN
    store.add(
        [f"p:{i}" for i in range(crowd)],
        [_vector(1.0, 0.001 * i) for i in range(crowd)],
        ["pending"] * crowd,
        [_meta("p", "engineering")] * crowd,
    )
    store.add(
        [f"c:{i}" for i in range(10)],
        [_vector(0.5, 1.0, 0.01 * i) for i in range(10)],
        ["complete"] * 10,
        [_meta("c", collection)] * 10,
    )
    return store


def test_a_chunk_of_a_collection_the_user_cannot_see_is_never_read(
    settings: Settings,
    embedder: Embedder,
    fixtures: Path,
    index_copy: IndexCopy,
    chroma_reads: list[str],
) -> None:
    index_copy(fixtures / "manual.pdf", "engineering", settings.data_dir)
    components = build(settings, embedder=embedder)
    components.ingestor().ingest([fixtures / "notes.txt"], "finance")
    store = components.store
    assert isinstance(store, ChromaStore)
    finance_ids = [h.chunk_id for h in components.catalog.keyword_search("值班日志", 20)]
    assert finance_ids  # the finance chunk exists and is found for someone who may see it
    chroma_reads.clear()

    retriever = components.retriever()
    for question in (
        "交接班时必须填写值班日志。",
        "值班工程师负责处理夜间告警",
        "密码多久更换一次",
    ):
        for passage in retriever.search(question, k=5, collections=["engineering"]):
            assert passage.collection == "engineering"
    assert store.get(finance_ids, collections=["engineering"]) == []
    assert store.query(embedder.embed(["值班日志"])[0], 50, ["engineering"])
    assert chroma_reads and set(chroma_reads) == {store._chroma_name("engineering")}
    components.close()


def test_no_collection_reads_nothing(settings: Settings, chroma_reads: list[str]) -> None:
    store = ChromaStore(settings, "test-embedder")
    store.add(["a:1"], [_vector(1.0)], ["text"], [_meta("a", "finance")])
    chroma_reads.clear()
    assert store.query(_vector(1.0), 5, collections=[]) == []
    assert store.get(["a:1"], collections=[]) == []
    assert store.query(_vector(1.0), 5, collections=["nobody-wrote-here"]) == []
    assert chroma_reads == []


def test_pending_documents_are_dropped_even_when_they_fill_the_top(settings: Settings) -> None:
    store = _crowded_store(settings, "engineering")
    hits = store.query(_vector(1.0), 5, ["engineering"], exclude_docs=["p"])
    assert [c.metadata["doc_id"] for c in hits] == ["c"] * 5
    assert len(store.query(_vector(1.0), 5, ["engineering"])) == 5


def test_results_of_several_collections_are_merged_by_similarity(settings: Settings) -> None:
    store = ChromaStore(settings, "test-embedder")
    store.add(["e:1"], [_vector(1.0, 0.5)], ["e"], [_meta("e", "engineering")])
    store.add(["f:1"], [_vector(1.0, 0.1)], ["f"], [_meta("f", "finance")])
    store.add(["h:1"], [_vector(0.0, 1.0)], ["h"], [_meta("h", "hr")])
    hits = store.query(_vector(1.0), 2, ["engineering", "finance", "hr"])
    assert [c.chunk_id for c in hits] == ["f:1", "e:1"]
    assert [c.chunk_id for c in store.query(_vector(1.0), 3)] == ["f:1", "e:1", "h:1"]
    assert store.count() == 3
    store.delete_document("f")
    assert store.count() == 2


def test_an_index_in_the_single_collection_layout_is_moved_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings.chroma_path.mkdir(parents=True)
    same = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=same)
    old: Any = client.create_collection(
        "pagewise-test-embedder", embedding_function=None, metadata={"hnsw:space": "cosine"}
    )
    old.add(
        ids=["e:1", "f:1"],
        embeddings=[_vector(1.0), _vector(0.0, 1.0)],
        documents=["engineering text", "finance text"],
        metadatas=[_meta("e", "engineering"), _meta("f", "finance")],
    )
    del client, old

    store = ChromaStore(settings, "test-embedder")
    assert "moving 2 chunks" in caplog.text
    assert [c.text for c in store.query(_vector(1.0), 5, ["finance"])] == ["finance text"]
    assert [c.chunk_id for c in store.get(["e:1", "f:1"], collections=["engineering"])] == ["e:1"]
    names = [c.name for c in store._client.list_collections()]
    assert "pagewise-test-embedder" not in names
    caplog.clear()
    assert ChromaStore(settings, "test-embedder").count() == 2
    assert "moving" not in caplog.text


def test_keyword_search_takes_the_rarest_terms_within_its_row_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    texts = [f"common word here {i}" for i in range(30)] + ["common word rare_term"]
    _add_document(catalog, "d", "c", texts)
    db = catalog._db
    assert keyword_tables.rarest_terms(db, "c", ["common", "rare_term", "word"]) == [
        "rare_term",
        "common",
        "word",
    ]
    monkeypatch.setattr(keyword_tables, "KEYWORD_ROW_BUDGET", 10)
    assert keyword_tables.rarest_terms(db, "c", ["common", "rare_term", "word", "unknown"]) == [
        "rare_term"
    ]
    assert keyword_tables.rarest_terms(db, "c", ["common", "word"]) == []
    assert [h.chunk_id for h in catalog.keyword_search("common words rare_term?", 3)] == ["d:30"]
    assert catalog.keyword_search("common words rare_term", 3, collections=["other"]) == []


def _add_document(catalog: Catalog, doc_id: str, collection: str, texts: list[str]) -> None:
    record = DocumentRecord(doc_id, collection, "/d", "t", "text", "h", "s", 1, 0, "pending", 0.0)
    catalog.begin(record)
    catalog.complete(doc_id, 1, [(f"{doc_id}:{i}", t) for i, t in enumerate(texts)], collection)


def test_keyword_search_reads_only_the_tables_of_the_users_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    _add_document(catalog, "e", "engineering", ["值班日志 engineering"])
    _add_document(catalog, "f", "finance", ["值班日志 finance"])
    read: list[str] = []
    original = keyword_tables.search

    def spy(db: Any, collection: str, tokens: Any, limit: int) -> Any:
        read.append(collection)
        return original(db, collection, tokens, limit)

    monkeypatch.setattr(keyword_tables, "search", spy)
    assert [h.doc_id for h in catalog.keyword_search("值班日志", 5, ["engineering"])] == ["e"]
    assert read == ["engineering"]
    assert {h.doc_id for h in catalog.keyword_search("值班日志", 5)} == {"e", "f"}
    catalog.remove("f")
    assert [h.doc_id for h in catalog.keyword_search("值班日志", 5)] == ["e"]


def test_a_catalog_with_one_keyword_table_is_moved_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    path = tmp_path / "catalog.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        """CREATE VIRTUAL TABLE chunk_terms USING fts5(
            terms, chunk_id UNINDEXED, doc_id UNINDEXED, collection UNINDEXED,
            tokenize = "unicode61 tokenchars '_.'");
        INSERT INTO chunk_terms VALUES ('值班 班日 日志', 'f:0', 'f', 'finance');
        INSERT INTO chunk_terms VALUES ('密码 策略', 'e:0', 'e', 'engineering');"""
    )
    db.commit()
    db.close()
    catalog = Catalog(path)
    assert "moving the keyword index" in caplog.text
    assert [h.chunk_id for h in catalog.keyword_search("值班日志", 5, ["finance"])] == ["f:0"]
    assert catalog.keyword_search("值班日志", 5, ["engineering"]) == []
    assert keyword_tables.collections_with_tables(catalog._db) == ["engineering", "finance"]
    catalog.close()
    caplog.clear()
    Catalog(path).close()
    assert "moving" not in caplog.text


def test_nearest_ranks_as_query_does_without_reading_text(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.api.models.Collection import Collection

    store = _crowded_store(settings, "finance")
    included: list[list[str]] = []
    original = Collection.query

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        included.append(list(kwargs["include"]))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "query", spy)
    both = ["engineering", "finance"]
    for pending in ([], ["p"]):
        ranked = [(c.chunk_id, c.similarity) for c in store.query(_vector(1.0), 5, both, pending)]
        included.clear()
        assert store.nearest(_vector(1.0), 5, both, pending) == ranked
        # Metadata only to drop a pending document's chunks; text never.
        assert all("documents" not in names for names in included)
        assert all(("metadatas" in names) == bool(pending) for names in included)


def test_pending_documents_are_listed_for_the_collections_asked(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    _add_document(catalog, "done", "engineering", ["written"])
    for doc_id, collection in (("e", "engineering"), ("f", "finance")):
        catalog.begin(
            DocumentRecord(doc_id, collection, "/d", "t", "text", "h", "s", 1, 0, "pending", 0.0)
        )
    assert sorted(catalog.pending_ids()) == ["e", "f"]
    assert catalog.pending_ids(["engineering", "hr"]) == ["e"]
    assert catalog.pending_ids(["hr"]) == []
    assert catalog.pending_ids([]) == []
