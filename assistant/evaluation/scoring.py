"""Measuring retrieval on a question set: which physical pages come back for each question."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from assistant.answer import Answer
from assistant.citations import Citation, key_terms
from assistant.claims import claims_of
from assistant.retrieval import Passage, Retriever
from assistant.wording import term_held
from pagewise.errors import PagewiseError
from pagewise.text import squeeze


@dataclass(frozen=True)
class Question:
    """One line of a question file: ``q``, ``doc``, and where the answer is: ``pages`` (physical,
    1-based) or, for documents without pages, ``section``; neither means it must be refused.
    ``expect`` is a fact a right answer contains; ``kind`` and ``lang`` group the figures."""

    q: str
    pages: list[int]
    doc: str | None = None
    section: str = ""
    expect: str = ""
    kind: str = ""
    lang: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.pages or self.section)


@dataclass(frozen=True)
class RetrievalScore:
    questions: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    misses: list[str]


def load_questions(path: Path) -> list[Question]:
    """Questions from a JSON-lines file, or from every ``*.jsonl`` file in a folder."""
    if path.is_dir():
        return [q for file in sorted(path.glob("*.jsonl")) for q in load_questions(file)]
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(
                Question(
                    data["q"],
                    [int(p) for p in data.get("pages", [])],
                    data.get("doc"),
                    section=str(data.get("section") or ""),
                    expect=str(data.get("expect") or ""),
                    kind=str(data.get("kind") or ""),
                    lang=str(data.get("lang") or ""),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise PagewiseError(f"{path}:{number}: not a question line ({exc})") from exc
    return questions


def passage_hits(passage: Passage, question: Question) -> bool:
    """A passage answers when it covers an expected page (or section) of the expected document,
    or holds the question's ``expect`` fact (the same text in another edition of the manual)."""
    if question.expect and squeeze(question.expect) in squeeze(passage.text):
        return True
    if question.doc and passage.doc != question.doc:
        return False
    if question.pages:
        return any(passage.page <= page <= passage.page_end for page in question.pages)
    # Documents without pages: the passage lies under the expected heading.
    return bool(question.section) and squeeze(question.section) in squeeze(passage.section)


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
    # Share of shown sentences that are supported: the question is covered, the sentence cites
    # an expected page (or section) and its numbers and names are in what it cites.
    faithfulness: float = 0.0
    # Share of covered questions with an ``expect`` fact whose answer contains it.
    expected_fact: float = 0.0

    def as_json(self) -> dict[str, float | int]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


Result = tuple[Question, Answer]


def collect_answers(
    pipeline: Pipeline,
    questions: Sequence[Question],
    on_answer: Callable[[Answer], object] | None = None,
) -> list[Result]:
    results = []
    for question in questions:
        answer = pipeline.ask(question.q)
        if on_answer:
            on_answer(answer)
        results.append((question, answer))
    return results


def score_answers(
    pipeline: Pipeline,
    questions: Sequence[Question],
    on_answer: Callable[[Answer], object] | None = None,
) -> AnswerScore:
    return summarize(collect_answers(pipeline, questions, on_answer))


def grouped(results: Sequence[Result], key: Callable[[Question], str]) -> dict[str, AnswerScore]:
    """Scores per document (``lambda q: q.doc or ""``), per kind of question, …"""
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(key(result[0]), []).append(result)
    return {name: summarize(group) for name, group in sorted(groups.items())}


def summarize(results: Sequence[Result]) -> AnswerScore:
    latencies = [answer.latency_ms for _, answer in results]
    answerable = [(q, a) for q, a in results if q.answerable]
    ranks = [first_hit(a.passages[:3], q) for q, a in answerable]
    uncovered = [a for q, a in results if not q.answerable]
    answered_covered = sum(not a.refused for _, a in answerable)
    refused_uncovered = sum(a.refused for a in uncovered)
    cited = cited_right = shown = supported = 0
    for question, answer in results:
        if answer.refused:
            continue
        texts = {p.chunk_id: p.text for p in answer.passages}
        for citation in answer.citations:
            cited += 1
            cited_right += _cites_expected(citation, question, texts.get(citation.chunk_id, ""))
        for ok in _sentence_support(question, answer):
            shown += 1
            supported += ok
    with_fact = [(q, a) for q, a in answerable if q.expect]
    facts = sum(not a.refused and squeeze(q.expect) in squeeze(a.answer) for q, a in with_fact)
    n = max(len(answerable), 1)
    return AnswerScore(
        questions=len(results),
        answerable=len(answerable),
        hit_at_1=sum(r == 1 for r in ranks) / n,
        hit_at_3=sum(r is not None for r in ranks) / n,
        mrr=sum(1.0 / r for r in ranks if r) / n,
        refusal_accuracy=(answered_covered + refused_uncovered) / max(len(results), 1),
        answered_when_covered=answered_covered / n,
        refused_when_uncovered=refused_uncovered / max(len(uncovered), 1),
        citation_precision=cited_right / cited if cited else 0.0,
        latency_p50_ms=_percentile(latencies, 50),
        latency_p95_ms=_percentile(latencies, 95),
        faithfulness=supported / shown if shown else 1.0,
        expected_fact=facts / len(with_fact) if with_fact else 0.0,
    )


def _cites_expected(citation: Citation, question: Question, text: str = "") -> bool:
    """On an expected page (or section) of the expected document; or, where the question names
    its ``expect`` fact, a passage that holds it (the same text in an edition of the manual)."""
    if not question.answerable:
        return False
    if question.expect and text and squeeze(question.expect) in squeeze(text):
        return True
    if question.doc and citation.doc != question.doc:
        return False
    if question.pages:
        return any(citation.page <= page <= citation.page_end for page in question.pages)
    return squeeze(question.section) in squeeze(citation.section)


def _sentence_support(question: Question, answer: Answer) -> list[bool]:
    """For each shown sentence: does it cite an expected page and hold only numbers and names
    that its cited passages contain? (A pipeline without marks cites all its passages.)"""
    by_n = {c.n: c for c in answer.citations}
    texts = {p.chunk_id: p.text for p in answer.passages}
    verdicts = []
    for claim in claims_of(answer.answer):
        citations = [by_n[n] for n in claim.cited if n in by_n] or list(answer.citations)
        support = " ".join(texts.get(c.chunk_id, "") for c in citations)
        # As grounding reads them: "0xA" is in a passage that writes the value as 10.
        terms_present = all(term_held(t, support) for t in key_terms(claim.text))
        verdicts.append(terms_present and any(_cites_expected(c, question) for c in citations))
    return verdicts


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
