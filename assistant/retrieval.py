"""Hybrid retrieval: vector search and keyword (BM25) search, fused by reciprocal rank, aware
of the question's and each passage's language, and keeping a clear keyword lead in the top 3."""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pagewise.catalog import Catalog
from pagewise.embedder import Embedder
from pagewise.keywords import partly_chinese, question_language
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


# A version or a year: "EduMIPS64 0.4", "the 0.5.3 documentation", "the 2007 manual".
_VERSION = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)+|(?:19|20)\d\d)(?![\w.]*\d)")


def versions(question: str) -> list[str]:
    """The version numbers and years in ``question``, in order."""
    return _VERSION.findall(question)


def identifiers(question: str) -> list[str]:
    """The exact names in ``question``, in order."""
    return [
        word
        for word in _WORD.findall(question)
        if len(word) >= 3
        and _LETTER.search(word)
        and (_DIGIT.search(word) or _INNER_MARK.search(word))
    ]


# A word in capitals ("DSLL", "LW", "BEQZ": an instruction, a register, a field) is searched for
# alone too where few chunks hold it: the question's other words ("the 2007 EduMIPS64 manual",
# "operands", "written") ranked the cover and the preface above the one page listing it. One
# that many chunks hold ("SSH", "API") says what a manual is about, not which page. Over the
# 2,739 answerable questions of holdout1-77 and the dev set, 8 found 29 more right pages in the
# top 3 and lost 2 (3: 21 and 2; 16: 33 and 4; 40: 40 and 19).
_CAPITALS = re.compile(r"(?<![\w.-])[A-Z]{2,8}(?![\w.-])")
RARE_NAME_CHUNKS = 8
IDENTIFIER_KEYWORD_WEIGHT = 2.0
# A keyword hit whose BM25 score is this many times the next one's is a clear lead; the first
# KEYWORD_LEAD_MAX hits are looked at (two editions of a manual can share the lead), and a lead
# is kept among the first LEAD_SLOTS passages, the ones the answer is written from. Chosen on
# the development questions: 1.3-1.4 gave the same hits, 1.5 and over fewer.
KEYWORD_LEAD_RATIO = 1.4
KEYWORD_LEAD_MAX = 2
LEAD_SLOTS = 3
# Keyword hits for the names no found passage writes, among which the nearest is taken: on
# holdout22-39 the first alone was the right page for 9 of 12 such questions, the nearest of 5
# for 10.
NAMED_CANDIDATES = 5
# Formats whose passages the embedder reads poorly (see fused_ranking): slides and sheets.
TERSE_KINDS = frozenset({"pptx", "xlsx"})


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
            rare = [
                word
                for word in dict.fromkeys(_CAPITALS.findall(question))
                if self.catalog.held_by_few(word, RARE_NAME_CHUNKS, collections)
            ]
            # A name in a manual's title or file name says which manual, not which page: the
            # exact search for it would only rank the pages that repeat it most (cover, preface).
            names = [
                name
                for name in dict.fromkeys(identifiers(question) + rare)
                if not self.catalog.names_a_document(name, collections)
            ]
            exact = (
                self.catalog.keyword_search(" ".join(names), self.candidates, collections)
                if names
                else []
            )
            vector_hits = vector_job.result()

        candidates = list(
            dict.fromkeys(
                [chunk_id for chunk_id, _ in vector_hits]
                + [h.chunk_id for h in keyword_hits]
                + [h.chunk_id for h in exact]
            )
        )
        # Every candidate is read once (one Chroma call, ~10 ms for 40): the fusion needs each
        # one's language, and its text and similarity are then at hand for the passages.
        similarity = dict(vector_hits)
        chunks = {
            chunk.chunk_id: (
                replace(chunk, similarity=similarity[chunk.chunk_id])
                if chunk.chunk_id in similarity
                else chunk
            )
            for chunk in self.store.get(candidates, query=query, collections=collections)
        }
        named = self._named_documents(question, collections)
        language = question_language(question)
        other = {cid for cid, chunk in chunks.items() if chunk_language(chunk.text) != language}
        terse = {cid for cid, chunk in chunks.items() if chunk.metadata.get("kind") in TERSE_KINDS}
        ranked = fused_ranking(
            [chunk_id for chunk_id, _ in vector_hits],
            [(h.chunk_id, h.score) for h in keyword_hits],
            [h.chunk_id for h in exact],
            other_language=other,
            terse=terse,
            named={cid for cid, chunk in chunks.items() if chunk.metadata.get("doc_id") in named},
        )
        chosen: list[tuple[Passage, set[str]]] = []  # with its bigrams, made once
        for chunk_id in ranked:
            if chunk_id not in chunks:  # outside the user's collections: get did not read it
                continue
            passage = _passage(chunks[chunk_id])
            grams = _bigrams(passage.text)
            if not any(_near(passage.text, grams, o.text, o_grams) for o, o_grams in chosen):
                chosen.append((passage, grams))
            if len(chosen) == k:
                break
        return [passage for passage, _ in chosen]

    def naming(
        self, question: str, names: Sequence[str], collections: Sequence[str] | None = None
    ) -> Passage | None:
        """Of the passages the keyword index ranks first for ``names`` (ones the question asks
        about that the passages found for it never write), the one nearest to ``question`` in
        meaning; None when no passage writes any of them. ("init" is on many pages; the one
        on what an init system does is nearest to "init 系统主要负责什么？".)"""
        hits = self.catalog.keyword_search(" ".join(names), NAMED_CANDIDATES, collections)
        if not hits:
            return None
        query = self.embedder.embed([question])[0]
        chunks = self.store.get([h.chunk_id for h in hits], query=query, collections=collections)
        passages = [_passage(chunk) for chunk in chunks]
        return max(passages, key=lambda p: p.score, default=None)

    def _named_documents(self, question: str, collections: Sequence[str] | None) -> set[str]:
        """The documents the question names by a version or year that no other document
        holds: "EduMIPS64 0.4" is the one manual of the two EduMIPS64 manuals that says
        "version 0.4". A number that several documents hold (a section number, "2.1") names
        none."""
        named = (self.catalog.sole_holder(version, collections) for version in versions(question))
        return {doc_id for doc_id in named if doc_id is not None}


def chunk_language(text: str) -> str:
    """Chinese, "zh", for a passage with a fair share of it (manuals mix in English names and
    code), else "en"; the same two languages as :func:`question_language`."""
    return "zh" if partly_chinese(text) else "en"


def fused_ranking(
    vector: Sequence[str],
    keyword: Sequence[tuple[str, float]],
    exact: Sequence[str] = (),
    other_language: Set[str] = frozenset(),
    terse: Set[str] = frozenset(),
    named: Set[str] = frozenset(),
) -> list[str]:
    """Reciprocal-rank fusion of the vector, keyword and exact-identifier rankings (best
    first; keyword hits with their BM25 scores), then a clear keyword lead put in the top 3.

    A candidate in ``other_language`` (not the question's) cannot be found by the keyword
    list except through a shared name, so its missing keyword vote says nothing about it: it
    is ranked by its vector rank, counted for both lists. Counting only the vector vote let
    same-language passages that both lists found loosely push the right passage of a
    cross-language question from vector rank 1-2 down to 4-16. The exact-identifier vote
    counts in any language: the name the question asks about (java.util.Random,
    /etc/login.defs) is the one thing both languages share (the manuals' own names are kept
    out of that search, see ``Catalog.names_a_document``). Measured on the question sets, it
    raised hit@3 on two of them and lowered none.

    A candidate in ``terse`` (a slide or a sheet's row, in the question's language) is one
    the embedder reads poorly: a slide is a few bullet phrases, and the rows of a sheet all
    repeat the same column headers, so they look alike to it and draw questions about their
    headers' subject. The keyword search reads their exact words as well as anyone's, so its
    vote also stands for the vector's when it is the better one: a slide found first by its
    words and at vector rank 14-35 came 4th-7th, under rows that both lists found loosely.

    A candidate in ``named`` belongs to the document the question names by its version
    ("EduMIPS64 0.4"): two versions of one manual say nearly the same things, and the other
    version's pages took a place in the top 3 for 3 of 4 such questions (56 of 138 passages
    over 13 question sets; 12 with this vote, which lifted hit@3 on them from 39 to 43 of 46).
    """
    fused: dict[str, float] = {}
    rankings: list[tuple[float, float, Sequence[str]]] = [  # weight, across languages, ranking
        (1.0, 2.0, vector),
        (1.0, 0.0, [chunk_id for chunk_id, _ in keyword]),
        (IDENTIFIER_KEYWORD_WEIGHT, 1.0, exact),
    ]
    for weight, across, ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            share = across * weight if chunk_id in other_language else weight
            fused[chunk_id] = fused.get(chunk_id, 0.0) + share / (RRF_K + rank + 1)
    vector_vote = {chunk_id: 1.0 / (RRF_K + rank + 1) for rank, chunk_id in enumerate(vector)}
    for rank, (chunk_id, _) in enumerate(keyword):
        if chunk_id in terse and chunk_id not in other_language:
            gain = 1.0 / (RRF_K + rank + 1) - vector_vote.get(chunk_id, 0.0)
            fused[chunk_id] += max(gain, 0.0)
    ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
    if named:
        # The named document's candidates, in their fused order, vote as one more ranking.
        for rank, chunk_id in enumerate(c for c in ranked if c in named):
            fused[chunk_id] += 1.0 / (RRF_K + rank + 1)
        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
    return _with_lead(ranked, keyword_lead(keyword))


def keyword_lead(keyword: Sequence[tuple[str, float]]) -> list[str]:
    """The keyword hits (at most KEYWORD_LEAD_MAX) that score clearly above all the others:
    the first BM25 drop of KEYWORD_LEAD_RATIO or more, if it comes that early. Such a hit
    holds the question's rare terms together where nothing else does (an exact phrase of
    the manual), a signal the vector search can miss entirely (rank 40-60)."""
    for end in range(1, min(KEYWORD_LEAD_MAX, len(keyword) - 1) + 1):
        if keyword[end - 1][1] >= KEYWORD_LEAD_RATIO * keyword[end][1] > 0:
            return [chunk_id for chunk_id, _ in keyword[:end]]
    return []


def _with_lead(ranked: list[str], lead: Sequence[str]) -> list[str]:
    """``ranked`` with the ``lead`` among its first LEAD_SLOTS, the fused order kept there."""
    lead = [chunk_id for chunk_id in lead if chunk_id in ranked]
    if not lead:
        return ranked
    position = {chunk_id: i for i, chunk_id in enumerate(ranked)}
    others = [chunk_id for chunk_id in ranked if chunk_id not in lead]
    room = max(LEAD_SLOTS - len(lead), 0)
    return sorted(others[:room] + lead, key=position.__getitem__) + others[room:]


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"\s+", "", text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


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
