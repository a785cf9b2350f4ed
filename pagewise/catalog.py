"""The catalog: which documents are in the index, and the keyword (BM25) index of their chunks.

SQLite under the data dir. A document row is written ``pending`` before its chunks go into the
vector store and ``complete`` after, so a crash mid-document is found and undone on the next run.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pagewise import keyword_tables
from pagewise.errors import ConfigError, StoreError
from pagewise.keywords import query_terms, search_terms

# Letters, digits, '_', '-' and inner dots, starting with a letter or digit: a collection name
# is also a folder name under the data dir, so ".", ".." and hidden names are never one.
_COLLECTION = re.compile(r"\w[\w.-]{0,63}")
# sole_holder reads at most this many chunks of a word (under a millisecond at a million chunks;
# reading every one of a word in 200,000 of them took 156 ms).
SOLE_HOLDER_ROWS = 256


def check_collection_name(name: str) -> str:
    """``name`` when it is a safe collection name, else a ConfigError saying what is allowed."""
    if not _COLLECTION.fullmatch(name) or name.endswith("."):
        raise ConfigError(
            f"{name!r} is not a collection name: use letters, digits, '_', '-' and inner dots,"
            " starting with a letter or digit (up to 64 characters)"
        )
    return name


_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    path TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    pages INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('pending', 'complete')),
    ingested_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_collection ON documents (collection, status);
"""


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    collection: str
    path: str
    title: str
    kind: str
    content_hash: str
    signature: str
    pages: int
    chunks: int
    status: str
    ingested_at: float


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    doc_id: str
    score: float  # BM25, higher is better


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # One connection shared by the portal's session threads, serialised by a lock.
            self._db = sqlite3.connect(
                path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._lock = threading.RLock()
            with self._transaction() as db:
                keyword_tables.move_single_table(db)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the catalog at {path}: {exc}") from exc
        self._db.row_factory = sqlite3.Row

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, query: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(query, args).fetchall()

    def get(self, doc_id: str) -> DocumentRecord | None:
        rows = self._rows("SELECT * FROM documents WHERE doc_id = ?", (doc_id,))
        return DocumentRecord(**dict(rows[0])) if rows else None

    def documents(
        self, collection: str | None = None, status: str | None = "complete"
    ) -> list[DocumentRecord]:
        query, args = "SELECT * FROM documents WHERE 1=1", []
        if collection is not None:
            query += " AND collection = ?"
            args.append(collection)
        if status is not None:
            query += " AND status = ?"
            args.append(status)
        rows = self._rows(query + " ORDER BY path", args)
        return [DocumentRecord(**dict(r)) for r in rows]

    def pending_ids(self, collections: Sequence[str] | None = None) -> list[str]:
        """Documents being written; ``collections``: only those in them (None: all)."""
        query = "SELECT doc_id FROM documents WHERE status = 'pending'"
        args = list(collections or ())
        if collections is not None:
            query += f" AND collection IN ({','.join('?' * len(args))})"
        return [r[0] for r in self._rows(query, args)]

    def names_a_document(self, name: str, collections: Sequence[str] | None = None) -> bool:
        """Whether ``name`` is part of a document's title or file name in ``collections``."""
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = (
            "SELECT 1 FROM documents WHERE (title LIKE ? ESCAPE '\\' OR path LIKE ? ESCAPE '\\')"
        )
        args: list[object] = [pattern, pattern]
        if collections is not None:
            query += f" AND collection IN ({','.join('?' * len(collections))})"
            args.extend(collections)
        return bool(self._rows(query + " LIMIT 1", args))

    def sole_holder(self, term: str, collections: Sequence[str] | None = None) -> str | None:
        """The one document in ``collections`` whose keyword entries hold ``term`` as a word;
        None where none or several do, or where ``term`` is in so many chunks
        (SOLE_HOLDER_ROWS) that reading them all would cost more than a search: a word that
        common names no document."""
        holders: set[str] = set()
        with self._lock:
            names = self._keyword_collections(collections)
            for name in names:
                rows = keyword_tables.holders(self._db, name, term, SOLE_HOLDER_ROWS)
                if len(rows) == SOLE_HOLDER_ROWS:
                    return None
                holders.update(rows)
        return holders.pop() if len(holders) == 1 else None

    def held_by_few(self, word: str, most: int, collections: Sequence[str] | None = None) -> bool:
        """Whether one to ``most`` chunks in ``collections`` hold ``word`` (as the index writes
        it: lowercase, stemmed) as a word."""
        terms = search_terms(word)
        if len(terms) != 1:
            return False
        count = 0
        with self._lock:
            for name in self._keyword_collections(collections):
                count += len(keyword_tables.holders(self._db, name, terms[0], most + 1 - count))
                if count > most:
                    return False
        return count > 0

    def _keyword_collections(self, collections: Sequence[str] | None) -> list[str]:
        """The collections whose keyword tables a search reads (None: every one); under the
        lock."""
        if collections is None:
            return keyword_tables.collections_with_tables(self._db)
        return list(dict.fromkeys(collections))

    def begin(self, record: DocumentRecord) -> None:
        """Mark a document as being (re)written: its old keyword entries go at once."""
        with self._transaction() as db:
            self._delete_terms(db, record.doc_id, record.collection)
            db.execute(
                "INSERT OR REPLACE INTO documents VALUES "
                "(:doc_id, :collection, :path, :title, :kind, :content_hash, :signature,"
                " :pages, :chunks, 'pending', :ingested_at)",
                record.__dict__,
            )

    def complete(
        self, doc_id: str, pages: int, chunk_terms: Iterable[tuple[str, str]], collection: str
    ) -> None:
        """Add the keyword entries and mark the document complete, in one transaction;
        ``chunk_terms`` (chunk id, text) are taken one at a time."""
        with self._transaction() as db:
            chunks = keyword_tables.insert(
                db,
                collection,
                doc_id,
                ((chunk_id, " ".join(search_terms(text))) for chunk_id, text in chunk_terms),
            )
            db.execute(
                "UPDATE documents SET status = 'complete', pages = ?, chunks = ?, ingested_at = ?"
                " WHERE doc_id = ?",
                (pages, chunks, time.time(), doc_id),
            )

    def remove(self, doc_id: str) -> None:
        with self._transaction() as db:
            self._delete_terms(db, doc_id)
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    @staticmethod
    def _delete_terms(db: sqlite3.Connection, doc_id: str, collection: str | None = None) -> None:
        rows = db.execute("SELECT collection FROM documents WHERE doc_id = ?", (doc_id,))
        for name in {r[0] for r in rows} | ({collection} if collection else set()):
            keyword_tables.delete_document(db, name, doc_id)

    def keyword_search(
        self, question: str, limit: int, collections: Sequence[str] | None = None
    ) -> list[KeywordHit]:
        """The best chunks by BM25, read only from the keyword tables of ``collections``
        (None: all), merged by score."""
        tokens = query_terms(question)
        if not tokens or (collections is not None and not collections):
            return []
        with self._lock:
            names = self._keyword_collections(collections)
            pending = set(self.pending_ids())
            # A pending document has no keyword rows (begin() deletes them, complete() adds
            # them with the status); dropping its hits stays as a guard.
            fetch = limit + 20 if pending else limit
            hits = [
                KeywordHit(chunk_id, doc_id, score)
                for name in names
                for chunk_id, doc_id, score in keyword_tables.search(self._db, name, tokens, fetch)
                if doc_id not in pending
            ]
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:limit]
