"""Retrieval quality on the development question set: hybrid vs vector-only vs keyword-only.

    .venv/bin/python bench/retrieval.py [--shared PATH] [--questions PATH]
    .venv/bin/python bench/retrieval.py --shared ../shared/docs --questions tests/fixtures/devset

Reports page-level hit@1, hit@3 and MRR over the answerable questions (the right physical page,
or section, among the top passages) and the mean search latency; with several documents, hybrid
hit@3 per document too. --shared takes a file or a folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.evaluation.scoring import Question, first_hit, load_questions  # noqa: E402
from assistant.retrieval import Passage, Retriever, _passage  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from ui.components import build  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "docs" / "java-manual-huangshan.pdf"
DEFAULT_QUESTIONS = REPO / "tests" / "fixtures" / "java-manual-questions.jsonl"


def vector_only(retriever: Retriever, question: str, k: int) -> list[Passage]:
    query = retriever.embedder.embed([question])[0]
    return [_passage(c) for c in retriever.store.query(query, k)]


def keyword_only(retriever: Retriever, question: str, k: int) -> list[Passage]:
    ids = [h.chunk_id for h in retriever.catalog.keyword_search(question, k)]
    return [_passage(c) for c in retriever.store.get(ids)]


def hybrid(retriever: Retriever, question: str, k: int) -> list[Passage]:
    return retriever.search(question, k)


def evaluate(retriever: Retriever, method, questions: Sequence[Question]) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    hit1 = hit3 = 0
    rr = 0.0
    started = time.perf_counter()
    for q in questions:
        rank = first_hit(method(retriever, q.q, 3), q)
        if rank:
            hit1 += rank == 1
            hit3 += 1
            rr += 1 / rank
    ms = (time.perf_counter() - started) * 1000 / len(questions)
    n = len(questions)
    return hit1 / n, hit3 / n, rr / n, ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    args = parser.parse_args()
    questions = [q for q in load_questions(args.questions) if q.answerable]
    components = build(Settings(data_dir=Path(tempfile.mkdtemp(prefix="pagewise-bench-"))))
    summary = components.ingestor().ingest([args.shared], "default")
    for report in summary.files:
        if report.status == "failed":
            print(f"not ingested: {report.path}: {report.reason}")
    retriever = components.retriever()
    print(f"{len(questions)} answerable questions on {args.shared.name}")
    print(f"{'method':<14} {'hit@1':>6} {'hit@3':>6} {'MRR':>6} {'ms/query':>9}")
    for name, method in (
        ("hybrid", hybrid),
        ("vector only", vector_only),
        ("keyword only", keyword_only),
    ):
        h1, h3, mrr, ms = evaluate(retriever, method, questions)
        print(f"{name:<14} {h1:>6.3f} {h3:>6.3f} {mrr:>6.3f} {ms:>9.1f}")
    documents = sorted({q.doc or "" for q in questions})
    if len(documents) > 1:
        print(f"\n{'document (hybrid)':<40} {'questions':>9} {'hit@3':>6}")
        for doc in documents:
            mine = [q for q in questions if (q.doc or "") == doc]
            print(f"{doc:<40} {len(mine):>9} {evaluate(retriever, hybrid, mine)[1]:>6.3f}")
    components.close()


if __name__ == "__main__":
    main()
