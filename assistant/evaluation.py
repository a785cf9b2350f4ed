"""Measuring retrieval on a question set: which physical pages come back for each question."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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


def score_retrieval(
    retriever: Retriever, questions: Sequence[Question], collections: Sequence[str] | None = None
) -> RetrievalScore:
    answerable = [q for q in questions if q.answerable]
    hit1 = hit3 = 0
    reciprocal = 0.0
    misses = []
    for question in answerable:
        passages = retriever.search(question.q, k=3, collections=collections)
        ranks = [i for i, p in enumerate(passages, start=1) if passage_hits(p, question)]
        if ranks:
            hit1 += ranks[0] == 1
            hit3 += 1
            reciprocal += 1.0 / ranks[0]
        else:
            misses.append(question.q)
    n = len(answerable) or 1
    return RetrievalScore(len(answerable), hit1 / n, hit3 / n, reciprocal / n, misses)
