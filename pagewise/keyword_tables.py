"""The keyword (BM25) index: one SQLite FTS5 table per access collection.

Measured at a million chunks (issue 15), one table for every collection cost 324 ms a search:
the collection was checked row by row on every row that held a question term, and an OR of
all the question's words and bigrams held most of the table. So each collection has its own
table (a search reads only the tables the user may see, no row of another collection is
touched), and a search takes the question's terms rarest first while the rows holding them stay
within KEYWORD_ROW_BUDGET: the rare terms carry nearly all of BM25's weight, and the common ones
("什么", "the") are what the budget cuts. Small indexes (below the budget) keep every term that
occurs in them.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

log = logging.getLogger(__name__)

KEYWORD_ROW_BUDGET = 3_000
_PREFIX = "terms_"
_TOKENIZE = "tokenize = \"unicode61 tokenchars '_.'\""


def table_name(collection: str) -> str:
    # Collection names may hold any letter; hex keeps the table name a plain identifier.
    return _PREFIX + collection.encode().hex()


def ensure_table(db: sqlite3.Connection, collection: str) -> str:
    name = table_name(collection)
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5("
        f"terms, chunk_id UNINDEXED, doc_id UNINDEXED, {_TOKENIZE})"
    )
    return name


def collections_with_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    # FTS5's own tables are named <table>_data, _idx, ...: hex never holds an underscore.
    names = [r[0][len(_PREFIX) :] for r in rows if r[0].startswith(_PREFIX)]
    return sorted(bytes.fromhex(n).decode() for n in names if "_" not in n)


def has_table(db: sqlite3.Connection, collection: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table_name(collection),)
    ).fetchone()
    return row is not None


def delete_document(db: sqlite3.Connection, collection: str, doc_id: str) -> None:
    if has_table(db, collection):
        db.execute(f"DELETE FROM {table_name(collection)} WHERE doc_id = ?", (doc_id,))


def insert(
    db: sqlite3.Connection, collection: str, doc_id: str, rows: Iterable[tuple[str, str]]
) -> int:
    """``rows``: (chunk_id, the chunk's keyword tokens joined by spaces), taken one at a time
    (a long document's are never all in memory); how many there were."""
    name = ensure_table(db, collection)
    count = 0

    def counted() -> Iterator[tuple[str, str, str]]:
        nonlocal count
        for chunk_id, terms in rows:
            count += 1
            yield terms, chunk_id, doc_id

    db.executemany(f"INSERT INTO {name} (terms, chunk_id, doc_id) VALUES (?, ?, ?)", counted())
    return count


def rarest_terms(db: sqlite3.Connection, collection: str, tokens: Sequence[str]) -> list[str]:
    """``tokens`` rarest first, as many as fit in KEYWORD_ROW_BUDGET rows; none when even the
    rarest is in more rows than that (the vector search then answers alone)."""
    name = table_name(collection)
    counts: dict[str, int] = {}
    for token in tokens:
        # Counted up to the budget only: an exact count (fts5vocab) reads the term's whole
        # posting list, which for "the" or "什么" is most of the table.
        row = db.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {name} WHERE {name} MATCH ? LIMIT ?)",
            (_phrase(token), KEYWORD_ROW_BUDGET + 1),
        ).fetchone()
        if row[0]:
            counts[token] = int(row[0])
    chosen: list[str] = []
    total = 0
    for token in sorted(counts, key=lambda t: (counts[t], t)):
        if total + counts[token] > KEYWORD_ROW_BUDGET:
            break
        chosen.append(token)
        total += counts[token]
    return chosen


def _phrase(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def search(
    db: sqlite3.Connection, collection: str, tokens: Sequence[str], limit: int
) -> list[tuple[str, str, float]]:
    """(chunk_id, doc_id, BM25 score: higher is better) of the best ``limit`` chunks."""
    if not tokens or not has_table(db, collection):
        return []
    name = table_name(collection)
    terms = rarest_terms(db, collection, tokens)
    if not terms:
        return []
    match = " OR ".join(_phrase(t) for t in terms)
    # Ranked by rowid and score first, so only the winners' columns are read.
    best = db.execute(
        f"SELECT rowid, -bm25({name}) AS score FROM {name} WHERE {name} MATCH ?"
        " ORDER BY score DESC LIMIT ?",
        (match, limit),
    ).fetchall()
    if not best:
        return []
    scores = {int(r[0]): float(r[1]) for r in best}
    marks = ",".join("?" * len(scores))
    rows = db.execute(
        f"SELECT rowid, chunk_id, doc_id FROM {name} WHERE rowid IN ({marks})", list(scores)
    ).fetchall()
    found = [(str(r[1]), str(r[2]), scores[int(r[0])]) for r in rows]
    return sorted(found, key=lambda hit: hit[2], reverse=True)


def move_single_table(db: sqlite3.Connection) -> None:
    """Catalogs written before one table per collection kept every chunk's terms in
    ``chunk_terms``: copy them (no document is read again) into their collection's table."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunk_terms'").fetchone():
        return
    collections = [r[0] for r in db.execute("SELECT DISTINCT collection FROM chunk_terms")]
    log.warning(
        "moving the keyword index into one table per collection (%d collections, once)",
        len(collections),
    )
    for collection in collections:
        name = ensure_table(db, collection)
        db.execute(
            f"INSERT INTO {name} (terms, chunk_id, doc_id)"
            " SELECT terms, chunk_id, doc_id FROM chunk_terms WHERE collection = ?",
            (collection,),
        )
    db.execute("DROP TABLE chunk_terms")


def holders(db: sqlite3.Connection, collection: str, term: str, rows: int) -> list[str]:
    """The document of each of the first ``rows`` chunks that hold ``term`` as a word."""
    if not has_table(db, collection):
        return []
    phrase = '"' + term.replace('"', '""') + '"'
    found = db.execute(
        f"SELECT doc_id FROM {table_name(collection)} WHERE terms MATCH ? LIMIT ?",
        (phrase, rows),
    )
    return [row[0] for row in found]
