"""Measuring retrieval on a question set: which physical pages come back for each question."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from assistant.answer import Answer
from assistant.retrieval import Passage, Retriever
from pagewise.errors import PagewiseError


@dataclass(frozen=True)
class Question:
    q: str
    pages: list[int]
    doc: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.pages)


@dataclass(frozen=True)
class RetrievalScore:
    questions: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    misses: list[str]


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(
                Question(data["q"], [int(p) for p in data.get("pages", [])], data.get("doc"))
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise PagewiseError(f"{path}:{number}: not a question line ({exc})") from exc
    return questions


def passage_hits(passage: Passage, question: Question) -> bool:
    """A passage answers when it covers one of the expected pages of the expected document."""
    if question.doc and passage.doc != question.doc:
        return False
    return any(passage.page <= page <= passage.page_end for page in question.pages)


def first_hit(passages: Sequence[Passage], question: Question) -> int | None:
    """The 1-based rank of the first passage on an expected page, or None."""
    return next((i for i, p in enumerate(passages, 1) if passage_hits(p, question)), None)


def score_retrieval(
    retriever: Retriever, questions: Sequence[Question], collections: Sequence[str] | None = None
) -> RetrievalScore:
    answerable = [q for q in questions if q.answerable]
    hit1 = hit3 = 0
    reciprocal = 0.0
    misses = []
    for question in answerable:
        rank = first_hit(retriever.search(question.q, k=3, collections=collections), question)
        if rank:
            hit1 += rank == 1
            hit3 += 1
            reciprocal += 1.0 / rank
        else:
            misses.append(question.q)
    n = len(answerable) or 1
    return RetrievalScore(len(answerable), hit1 / n, hit3 / n, reciprocal / n, misses)


class Pipeline(Protocol):
    def ask(self, question: str) -> Answer: ...


@dataclass
class AnswerScore:
    questions: int
    answerable: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    refusal_accuracy: float  # right to answer or to refuse, over all questions
    answered_when_covered: float
    refused_when_uncovered: float
    citation_precision: float  # cited pages among the expected pages, over answers given
    latency_p50_ms: float
    latency_p95_ms: float

    def as_json(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def score_answers(
    pipeline: Pipeline,
    questions: Sequence[Question],
    on_answer: Callable[[Answer], object] | None = None,
) -> AnswerScore:
    latencies: list[float] = []
    hit1 = hit3 = 0
    reciprocal = 0.0
    right_decision = answered_covered = refused_uncovered = 0
    cited = cited_right = 0
    for question in questions:
        answer = pipeline.ask(question.q)
        if on_answer:
            on_answer(answer)
        latencies.append(answer.latency_ms)
        if question.answerable:
            rank = first_hit(answer.passages[:3], question)
            if rank:
                hit1 += rank == 1
                hit3 += 1
                reciprocal += 1.0 / rank
            answered_covered += not answer.refused
            right_decision += not answer.refused
        else:
            refused_uncovered += answer.refused
            right_decision += answer.refused
        if not answer.refused:
            for citation in answer.citations:
                cited += 1
                cited_right += (
                    question.answerable
                    and any(citation.page <= page <= citation.page_end for page in question.pages)
                    and (not question.doc or citation.doc == question.doc)
                )
    answerable = sum(1 for q in questions if q.answerable)
    uncovered = len(questions) - answerable
    return AnswerScore(
        questions=len(questions),
        answerable=answerable,
        hit_at_1=hit1 / max(answerable, 1),
        hit_at_3=hit3 / max(answerable, 1),
        mrr=reciprocal / max(answerable, 1),
        refusal_accuracy=right_decision / max(len(questions), 1),
        answered_when_covered=answered_covered / max(answerable, 1),
        refused_when_uncovered=refused_uncovered / max(uncovered, 1),
        citation_precision=cited_right / cited if cited else 0.0,
        latency_p50_ms=_percentile(latencies, 50),
        latency_p95_ms=_percentile(latencies, 95),
    )


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
