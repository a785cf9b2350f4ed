"""Retrieval quality on the development question set: hybrid vs vector-only vs keyword-only.

    .venv/bin/python bench/retrieval.py [--shared PATH] [--questions PATH]
    .venv/bin/python bench/retrieval.py --shared ../shared/docs --questions tests/fixtures/devset
    .venv/bin/python bench/retrieval.py --per-document --questions tests/fixtures/scanned \
        --shared ../shared/docs/openeuler-hardening-zh-scanned.pdf \
        ../shared/docs/openeuler-hardening-zh.pdf

Reports page-level hit@1, hit@3 and MRR over the answerable questions (the right physical page,
or section, among the top passages) and the mean search latency; with several documents, hybrid
hit@3 per document too. --shared takes files and folders. --per-document puts each document in
a collection of its own and searches each question in its document's collection only, so the
same questions asked of two versions of a manual (a scan and its text) score each on its own.

--data-dir keeps the ingested index between runs (a scan's OCR takes minutes on 2 cores): it
is a folder per pipeline version and embedder under the given path, and the ingestor reads
again only the files whose content or pipeline signature changed. --misses shows, for every
question not answered at rank 1, where the right passage ranks in each method and what stands
above it. --translate adds the assistant's own search: the question and its translation into
the other language by the configured LLM, fused (as assistant.answer does before its relevance
guard); translations are kept in a file under --data-dir, so the LLM runs once a question.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.evaluation.scoring import Question, first_hit, load_questions  # noqa: E402
from assistant.retrieval import Passage, Retriever, _passage  # noqa: E402
from assistant.translation import Translator, fuse  # noqa: E402
from ingest.pipeline import PIPELINE_VERSION, collect_files  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from ui.components import build, make_llm  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "docs" / "java-manual-huangshan.pdf"
DEFAULT_QUESTIONS = REPO / "tests" / "fixtures" / "java-manual-questions.jsonl"


Collections = Sequence[str] | None


def vector_only(retriever: Retriever, question: str, k: int, within: Collections) -> list[Passage]:
    query = retriever.embedder.embed([question])[0]
    return [_passage(c) for c in retriever.store.query(query, k, within)]


def keyword_only(retriever: Retriever, question: str, k: int, within: Collections) -> list[Passage]:
    ids = [h.chunk_id for h in retriever.catalog.keyword_search(question, k, within)]
    return [_passage(c) for c in retriever.store.get(ids)]


def hybrid(retriever: Retriever, question: str, k: int, within: Collections) -> list[Passage]:
    return retriever.search(question, k, within)


class Translated:
    """The assistant's search: the question, and its translation into the other language by
    the configured LLM, each searched and the two rankings fused."""

    def __init__(self, settings: Settings, file: Path | None) -> None:
        self.settings = settings
        self.file = file
        self.known: dict[str, str] = (
            json.loads(file.read_text(encoding="utf-8")) if file and file.is_file() else {}
        )
        self.translator: Translator | None = None

    def translation(self, question: str) -> str:
        if question not in self.known:
            if self.translator is None:
                self.translator = Translator(make_llm(self.settings))
            self.known[question] = self.translator.translate(question)
            if self.file:
                text = json.dumps(self.known, ensure_ascii=False, indent=1)
                self.file.write_text(text, encoding="utf-8")
        return self.known[question]

    def __call__(
        self, retriever: Retriever, question: str, k: int, within: Collections
    ) -> list[Passage]:
        found = retriever.search(question, k, within)
        other = self.translation(question)
        if other:
            found = fuse([(question, found), (other, retriever.search(other, k, within))], k)
        return found


def translated(cache: Path | None, settings: Settings) -> Translated:
    """Translations by this LLM, kept in ``cache`` (the data dir's root) when there is one."""
    folder = cache or Path(tempfile.mkdtemp(prefix="pagewise-bench-llm-"))
    model = "".join(ch if ch.isalnum() else "_" for ch in settings.llm_model or "default")
    llm_settings = settings.model_copy(update={"data_dir": folder})
    return Translated(llm_settings, folder / f"translations-{settings.llm_backend}-{model}.json")


def collection_of(document: str) -> str:
    """The collection a document is put in with --per-document."""
    return f"doc-{document}"


def evaluate(  # type: ignore[no-untyped-def]
    retriever: Retriever, method, questions: Sequence[Question], per_document: bool = False
) -> tuple[float, ...]:
    hit1 = hit3 = 0
    rr = 0.0
    started = time.perf_counter()
    for q in questions:
        within = [collection_of(q.doc or "")] if per_document else None
        rank = first_hit(method(retriever, q.q, 3, within), q)
        if rank:
            hit1 += rank == 1
            hit3 += 1
            rr += 1 / rank
    ms = (time.perf_counter() - started) * 1000 / len(questions)
    n = len(questions)
    return hit1 / n, hit3 / n, rr / n, ms


def data_dir(cache: Path | None, settings: Settings) -> Path:
    """A fresh temporary folder, or the cached index of this pipeline version and embedder."""
    if cache is None:
        return Path(tempfile.mkdtemp(prefix="pagewise-bench-"))
    embedder = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in settings.embedder)
    return cache / f"v{PIPELINE_VERSION}-{embedder}"


def rank_of(passages: Sequence[Passage], question: Question) -> str:
    rank = first_hit(passages, question)
    return str(rank) if rank else "-"


def show_misses(
    retriever: Retriever, questions: Sequence[Question], per_document: bool, depth: int = 20
) -> None:
    """For each question not answered at rank 1: the right passage's rank (within ``depth``)
    in the hybrid, vector and keyword rankings, and the hybrid top 3."""
    print(f"\nquestions not at rank 1 (rank within {depth}: hybrid / vector / keyword)")
    for q in questions:
        within = [collection_of(q.doc or "")] if per_document else None
        top = hybrid(retriever, q.q, depth, within)
        if first_hit(top[:1], q):
            continue
        ranks = " / ".join(
            rank_of(method(retriever, q.q, depth, within), q)
            for method in (hybrid, vector_only, keyword_only)
        )
        want = q.pages or q.section
        print(f"- [{ranks}] {q.doc} {want}: {q.q}")
        for p in top[:3]:
            where = f"p{p.page}" if p.page == p.page_end else f"p{p.page}-{p.page_end}"
            text = " ".join(p.text.split())[:70]
            print(f"    {p.doc[:22]} {where} «{p.section[:30]}» {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, nargs="+", default=[DEFAULT_SHARED])
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument(
        "--per-document", action="store_true", help="Search each question in its document only."
    )
    parser.add_argument(
        "--data-dir", type=Path, help="Keep the index here between runs (per pipeline version)."
    )
    parser.add_argument(
        "--misses", action="store_true", help="Show where the right passage ranks when not 1st."
    )
    parser.add_argument(
        "--translate", action="store_true", help="Also search the LLM's translation, fused."
    )
    args = parser.parse_args()
    questions = [q for q in load_questions(args.questions) if q.answerable]
    settings = Settings()
    components = build(settings.model_copy(update={"data_dir": data_dir(args.data_dir, settings)}))
    ingestor = components.ingestor()
    files, _ = collect_files(args.shared)
    placed = {(collection_of(f.name) if args.per_document else "default", f) for f in files}
    # A cached index may hold documents of an earlier run (other files, or the other mode):
    # they go, so only this run's documents are searched.
    wanted = {(collection, str(f.resolve())) for collection, f in placed}
    for record in components.catalog.documents(status=None):
        if (record.collection, record.path) not in wanted:
            ingestor.delete(record.doc_id)
    if args.per_document:
        reports = [ingestor.ingest([f], collection_of(f.name)).files[0] for f in files]
    else:
        reports = ingestor.ingest(args.shared, "default").files
    for report in reports:
        if report.status == "failed":
            print(f"not ingested: {report.path}: {report.reason}")
    retriever = components.retriever()
    names = ", ".join(path.name for path in args.shared)
    scope = " (each in its own document)" if args.per_document else ""
    print(f"{len(questions)} answerable questions on {names}{scope}")
    print(f"{'method':<14} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'ms/query':>9}")
    methods: list[tuple[str, object]] = [
        ("hybrid", hybrid),
        ("vector only", vector_only),
        ("keyword only", keyword_only),
    ]
    if args.translate:
        methods.append(("+translation", translated(args.data_dir, settings)))
    for name, method in methods:
        h1, h3, mrr, ms = evaluate(retriever, method, questions, args.per_document)
        print(f"{name:<14} {h1:>6.3f} {h3:>6.3f} {mrr:>6.3f} {ms:>9.1f}")
    documents = sorted({q.doc or "" for q in questions})
    if len(documents) > 1:
        for name, method in methods[:1] + methods[3:]:
            print(
                f"\n{'document (' + name + ')':<40} {'questions':>9} {'hit@1':>6} {'hit@3':>6}"
                f" {'MRR':>6}"
            )
            for doc in documents:
                mine = [q for q in questions if (q.doc or "") == doc]
                h1, h3, mrr, _ = evaluate(retriever, method, mine, args.per_document)
                print(f"{doc:<40} {len(mine):>9} {h1:>6.3f} {h3:>6.3f} {mrr:>6.3f}")
    if args.misses:
        show_misses(retriever, questions, args.per_document)
    components.close()


if __name__ == "__main__":
    main()
