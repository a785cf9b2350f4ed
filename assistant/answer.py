"""The assistant: retrieve, prompt, generate, check citations, and audit every question."""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.citations import CheckedAnswer, Citation, check_citations
from assistant.llm import LLM, Message
from assistant.prompt import Turn, build_messages, trim_history
from assistant.retrieval import Passage, Retriever
from pagewise.audit.log import AuditLog
from pagewise.errors import PagewiseError
from pagewise.keywords import mostly_chinese, term_coverage
from pagewise.policies import Policies
from pagewise.ratelimit import RateLimitedError, RateLimiter
from pagewise.sensitive import SensitiveWords

log = logging.getLogger(__name__)

# Characters of a streamed answer held back while the model writes, so that a sensitive word
# (with spaces or punctuation slipped between its characters) is whole before it is shown.
STREAM_HOLD_BACK = 48
# A line of the system prompt at least this long, repeated in an answer, means the model was
# talked into revealing its rules (by a question or a planted manual): the answer is refused.
RULE_LINE_MIN_CHARS = 12


@dataclass(frozen=True)
class User:
    """Who is asking. ``collections`` None means every collection (access control: issue 5)."""

    name: str
    groups: tuple[str, ...] = ()
    collections: tuple[str, ...] | None = None
    client: str | None = None  # the browser's address, for the per-client rate limit


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    passages: list[Passage]
    latency_ms: float
    model: str
    flagged: list[str] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    dropped_references: list[str] = field(default_factory=list)
    # The audit record of this exchange: feedback on the answer refers to it.
    audit_id: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.as_json() for c in self.citations],
            "passages": [p.as_json() for p in self.passages],
            "latency_ms": round(self.latency_ms, 1),
            "flagged": self.flagged,
            "model": self.model,
        }


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: the passages, a piece of text, or the checked answer."""

    kind: str  # passages, token, answer
    passages: list[Passage] | None = None
    text: str = ""
    answer: Answer | None = None


class Assistant:
    def __init__(
        self,
        retriever: Retriever,
        llm: LLM,
        policies: Policies,
        top_k: int = 3,
        min_similarity: float = 0.28,
        min_term_overlap: float = 0.15,
        history_tokens: int = 1024,
        max_tokens: int = 512,
        temperature: float = 0.0,
        sensitive: SensitiveWords | None = None,
        rate_limiter: RateLimiter | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.policies = policies
        self.top_k = top_k
        self.min_similarity = min_similarity
        self.min_term_overlap = min_term_overlap
        self.history_tokens = history_tokens
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.sensitive = sensitive or SensitiveWords()
        self.rate_limiter = rate_limiter
        self.audit = audit
        self._rule_lines = rule_lines(policies.system_prompt)

    def ask(self, question: str, user: User, history: Sequence[Turn] = ()) -> Answer:
        for event in self.stream(question, user, history):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream() always ends with the answer")

    def stream(
        self, question: str, user: User, history: Sequence[Turn] = ()
    ) -> Generator[Event, None, None]:
        """Events up to the checked answer, whose ``audit_id`` names its audit record.

        With an audit log, every question appends exactly one record, whatever the outcome:
        answered, refused, sensitive_refused, rate_limited (RateLimitedError is raised) or
        error (the exception is raised after the record is written).
        """
        record = _QuestionRecord(self.audit, question, user, self.llm.name)
        try:
            yield from self._stream(question, user, history, record)
        except BaseException as exc:
            # BaseException: an interrupted CLI (KeyboardInterrupt) or a reader that stopped
            # before the answer (GeneratorExit) was still a question, and is audited as one.
            record.failed(exc)
            raise

    def _stream(
        self, question: str, user: User, history: Sequence[Turn], record: _QuestionRecord
    ) -> Iterator[Event]:
        self._check_rate_limit(user, record)
        if self.sensitive.contains(question):
            # Refused before retrieval: the question reaches neither the index nor the model.
            yield Event("passages", passages=[])
            refusal = self._refusal(question, [], record.started, self.policies.sensitive_refusal)
            record.answered(refusal, "sensitive_refused")
            yield Event("answer", answer=refusal)
            return
        passages = self.relevant_passages(question, user)
        yield Event("passages", passages=passages)
        if not passages:
            refusal = self._refusal(question, passages, record.started)
            record.answered(refusal, "refused")
            yield Event("answer", answer=refusal)
            return
        raw = yield from self._generate(question, passages, history)
        answer = self._checked_answer(question, raw, passages, record.started)
        record.answered(answer, "refused" if answer.refused else "answered")
        yield Event("answer", answer=answer)

    def _check_rate_limit(self, user: User, record: _QuestionRecord) -> None:
        if self.rate_limiter is None:
            return
        decision = self.rate_limiter.check(user.name, user.groups, user.client)
        if decision.allowed:
            return
        refused = RateLimitedError(decision.retry_after)
        # limited_by says whether the user or the client address ran out ("client:10.0.0.7").
        record.write(
            "rate_limited",
            answer=str(refused),
            retry_after=round(decision.retry_after, 1),
            limited_by=decision.key,
        )
        raise refused

    def _generate(
        self, question: str, passages: list[Passage], history: Sequence[Turn]
    ) -> Generator[Event, None, str]:
        """Stream the model's answer as token events; return the whole raw text."""
        messages = self.messages(question, passages, history)
        pieces: list[str] = []
        shown = 0
        # What is streamed is redacted too, and the newest characters are held back until no
        # sensitive word can still be completing in them.
        hold_back = STREAM_HOLD_BACK if len(self.sensitive) else 0
        for piece in self.llm.stream(messages, self.max_tokens, self.temperature):
            pieces.append(piece)
            safe = self._shown("".join(pieces), hold_back)
            visible = len(safe) - hold_back
            if visible > shown:
                yield Event("token", text=safe[shown:visible])
                shown = visible
        raw = "".join(pieces)
        tail = self._shown(raw, hold_back)[shown:]
        if tail:
            yield Event("token", text=tail)
        return raw

    def _checked_answer(
        self, question: str, raw: str, passages: list[Passage], started: float
    ) -> Answer:
        checked = self._check(raw, passages)
        return Answer(
            question=question,
            answer=self.sensitive.redact(checked.text),
            refused=checked.refused,
            citations=checked.citations,
            passages=passages,
            latency_ms=(time.perf_counter() - started) * 1000,
            model=self.llm.name,
            flagged=checked.flagged,
            dropped=checked.dropped,
            dropped_references=checked.dropped_references,
        )

    def _check(self, raw: str, passages: list[Passage]) -> CheckedAnswer:
        checked = check_citations(raw, passages, self.policies.refusal)
        if not checked.refused and reveals_rules(checked.text, self._rule_lines):
            return CheckedAnswer(
                self.policies.refusal,
                refused=True,
                dropped=checked.dropped,
                dropped_references=checked.dropped_references,
            )
        return checked

    def _shown(self, text: str, hold_back: int) -> str:
        return self.sensitive.redact(text) if hold_back else text

    def relevant_passages(self, question: str, user: User) -> list[Passage]:
        """The top passages for the question that are similar enough to be worth reading."""
        found = self.retriever.search(question, self.top_k, user.collections)
        passages = [p for p in found if p.score >= self.min_similarity]
        # A Chinese question that shares almost none of its subject terms with any passage is
        # not covered, however similar the vectors look ("年假" finds rules about "365 天").
        # Only for Chinese: an English question about a Chinese manual shares no terms at all.
        if mostly_chinese(question) and not any(
            term_coverage(question, f"{p.section}\n{p.text}") >= self.min_term_overlap
            for p in passages
        ):
            return []
        return passages

    def messages(
        self, question: str, passages: Sequence[Passage], history: Sequence[Turn] = ()
    ) -> list[Message]:
        recent = trim_history(history, self.history_tokens, self.llm.count_tokens)
        return build_messages(self.policies.system_prompt, question, passages, recent)

    def _refusal(
        self, question: str, passages: list[Passage], started: float, text: str | None = None
    ) -> Answer:
        return Answer(
            question=question,
            answer=text or self.policies.refusal,
            refused=True,
            citations=[],
            passages=passages,
            latency_ms=(time.perf_counter() - started) * 1000,
            model=self.llm.name,
        )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def rule_lines(system_prompt: str) -> tuple[str, ...]:
    """The system prompt's lines long enough that repeating one can only be a leak."""
    lines = (_squeeze(line.lstrip("-*• ")) for line in system_prompt.splitlines())
    return tuple(line for line in lines if len(line) >= RULE_LINE_MIN_CHARS)


def reveals_rules(answer: str, lines: Sequence[str]) -> bool:
    squeezed = _squeeze(answer)
    return any(line in squeezed for line in lines)


class _QuestionRecord:
    """The audit record of one question: written at most once, whatever happens."""

    def __init__(self, audit: AuditLog | None, question: str, user: User, model: str) -> None:
        self.audit = audit
        self.question = question
        self.user = user
        self.model = model
        self.started = time.perf_counter()
        self.written = False

    def write(self, outcome: str, latency_ms: float | None = None, **fields: Any) -> str | None:
        if self.audit is None or self.written:
            return None
        if latency_ms is None:
            latency_ms = (time.perf_counter() - self.started) * 1000
        # Marked before writing: a failed write is not followed by a second, "error" record.
        self.written = True
        try:
            return self.audit.record(
                outcome,
                self.user.name,
                groups=list(self.user.groups),
                client=self.user.client,
                question=self.question,
                model=self.model,
                latency_ms=round(latency_ms),
                **fields,
            )
        except OSError as exc:
            # No answer without its record: the exchange fails with a message an operator
            # can act on.
            raise PagewiseError(
                f"the audit log in {self.audit.folder} cannot be written ({exc}); check that the"
                " folder is writable and the disk has space"
            ) from exc

    def answered(self, answer: Answer, outcome: str) -> None:
        extra: dict[str, Any] = {
            "flagged": answer.flagged,
            "dropped_citations": answer.dropped,
            "dropped_references": answer.dropped_references,
        }
        answer.audit_id = self.write(
            outcome,
            latency_ms=answer.latency_ms,  # the same number the CLI and the API report
            answer=answer.answer,
            citations=[
                {"doc": c.doc, "page": c.page, "page_label": c.page_label} for c in answer.citations
            ],
            # Signs of a confused model or a planted manual, kept only when there are some.
            **{name: value for name, value in extra.items() if value},
        )

    def failed(self, exc: BaseException) -> None:
        if self.written:
            return
        error = (
            "the answer was not read to the end"
            if isinstance(exc, GeneratorExit)
            else str(exc) or type(exc).__name__
        )
        try:
            self.write("error", error=error, error_type=type(exc).__name__)
        except PagewiseError:
            # The question's own failure is what the caller must see; this one is logged.
            log.exception("the audit record of a failed question was not written")
