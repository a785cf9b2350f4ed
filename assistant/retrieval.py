"""Hybrid retrieval: vector search and keyword (BM25) search, fused by reciprocal rank."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pagewise.catalog import Catalog
from pagewise.embedder import Embedder
from pagewise.store import Store, StoredChunk

# Reciprocal-rank fusion constant; 60 is the value from the original RRF paper and works
# without tuning because it only uses ranks, not the incomparable raw scores.
RRF_K = 60
# Questions naming an exact identifier (error code A0201, java.sql.Date, MAX_COUNT, AGPL-3.0)
# are better served by the keyword index than by meaning: a search for the identifiers alone is
# fused in as a third ranking, with double weight. An identifier is a name: it has a letter, and
# a digit or an inner '.'/'_'. A bare number ("ISO 5230", "0.63") is a quantity or a part of a
# name; doubled alone it let every passage that mentions it (a spreadsheet whose column header
# names "ISO/IEC 5230:2020" names it in every row) crowd out the one on the question's subject.
_WORD = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?")
_LETTER, _DIGIT = re.compile(r"[A-Za-z]"), re.compile(r"\d")
_INNER_MARK = re.compile(r"[A-Za-z][._][A-Za-z]")


def identifiers(question: str) -> list[str]:
    """The exact names in ``question``, in order."""
    return [
        word
        for word in _WORD.findall(question)
        if len(word) >= 3
        and _LETTER.search(word)
        and (_DIGIT.search(word) or _INNER_MARK.search(word))
    ]


IDENTIFIER_KEYWORD_WEIGHT = 2.0


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    doc: str  # the file name, as people know the manual
    doc_id: str
    title: str
    page: int
    page_end: int
    page_label: str
    section: str
    score: float  # cosine similarity of passage and question
    text: str
    path: str
    collection: str
    kind: str = ""  # the document's format: pdf, docx, pptx, xlsx, markdown, text

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        return {
            key: data[key]
            for key in (
                "doc",
                "title",
                "page",
                "page_end",
                "page_label",
                "section",
                "score",
                "text",
                "doc_id",
                "collection",
            )
        }


class Retriever:
    def __init__(
        self, store: Store, catalog: Catalog, embedder: Embedder, candidates: int = 20
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.embedder = embedder
        self.candidates = candidates

    def search(
        self, question: str, k: int = 3, collections: Sequence[str] | None = None
    ) -> list[Passage]:
        """The ``k`` best passages; ``collections`` limits the search inside the store query."""
        query = self.embedder.embed([question])[0]
        pending = self.catalog.pending_ids(collections)
        # The vector search runs in a thread of its own while the keyword searches run here:
        # SQLite lets other threads run while it reads. Chroma's query may hold the GIL (two
        # threads of it alone never used more than one core), so the overlap is partial.
        with ThreadPoolExecutor(max_workers=1) as pool:
            vector_job = pool.submit(
                self.store.nearest, query, self.candidates, collections, pending
            )
            keyword_hits = self.catalog.keyword_search(question, self.candidates, collections)
            # A name in a manual's title or file name says which manual, not which page: the
            # exact search for it would only rank the pages that repeat it most (cover, preface).
            names = [
                name
                for name in identifiers(question)
                if not self.catalog.names_a_document(name, collections)
            ]
            exact = (
                self.catalog.keyword_search(" ".join(names), self.candidates, collections)
                if names
                else []
            )
            vector_hits = vector_job.result()

        fused: dict[str, float] = {}
        rankings: list[tuple[float, list[str]]] = [
            (1.0, [chunk_id for chunk_id, _ in vector_hits]),
            (1.0, [h.chunk_id for h in keyword_hits]),
        ]
        if names:
            rankings.append((IDENTIFIER_KEYWORD_WEIGHT, [h.chunk_id for h in exact]))
        for weight, ranking in rankings:
            for rank, chunk_id in enumerate(ranking):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)

        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        chosen: list[tuple[Passage, set[str]]] = []  # with its bigrams, made once
        for chunk in self._read(ranked, query, dict(vector_hits), collections, k):
            passage = _passage(chunk)
            grams = _bigrams(passage.text)
            if not any(_near(passage.text, grams, o.text, o_grams) for o, o_grams in chosen):
                chosen.append((passage, grams))
            if len(chosen) == k:
                break
        return [passage for passage, _ in chosen]

    def _read(
        self,
        ranked: list[str],
        query: Sequence[float],
        similarity: dict[str, float],
        collections: Sequence[str] | None,
        k: int,
    ) -> Iterator[StoredChunk]:
        """The chunks ``ranked``, in order, read in growing batches as the caller goes on.

        Reading a chunk's text and metadata costs about 0.1 ms (Chroma), and all the fused
        candidates were up to 60 while 3 are shown: only those looked at are read. A chunk
        not in the user's collections is not read and is skipped (get reads only there).
        """
        start, size = 0, 2 * k
        while start < len(ranked):
            batch = ranked[start : start + size]
            # Keyword-only hits get their similarity from their vector; vector hits keep the
            # one their search gave.
            for chunk in self.store.get(batch, query=query, collections=collections):
                if chunk.chunk_id in similarity:
                    chunk = replace(chunk, similarity=similarity[chunk.chunk_id])
                yield chunk
            start, size = start + size, size * 2


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"\s+", "", text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def near_duplicate(a: str, b: str, threshold: float = 0.8) -> bool:
    """Two passages that say the same (the same rule in two manuals, or in an edition)."""
    return _near(a, _bigrams(a), b, _bigrams(b), threshold)


def _near(a: str, x: set[str], b: str, y: set[str], threshold: float = 0.8) -> bool:
    if not x or not y:
        return a.strip() == b.strip()
    return len(x & y) / min(len(x), len(y)) >= threshold


def _passage(chunk: StoredChunk) -> Passage:
    meta = chunk.metadata
    return Passage(
        chunk_id=chunk.chunk_id,
        doc=Path(str(meta.get("path", ""))).name,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        page=int(meta.get("page", 0)),
        page_end=int(meta.get("page_end", meta.get("page", 0))),
        page_label=str(meta.get("page_label", "")),
        section=str(meta.get("section", "")),
        score=round(float(chunk.similarity or 0.0), 4),
        text=chunk.text,
        path=str(meta.get("path", "")),
        collection=str(meta.get("collection", "")),
        kind=str(meta.get("kind", "")),
    )
