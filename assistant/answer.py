"""The assistant: retrieve, prompt, generate, check citations."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from assistant.citations import Citation, check_citations
from assistant.llm import LLM, Message
from assistant.prompt import Turn, build_messages, trim_history
from assistant.retrieval import Passage, Retriever
from pagewise.keywords import mostly_chinese, term_coverage
from pagewise.policies import Policies
from pagewise.ratelimit import RateLimiter
from pagewise.sensitive import SensitiveWords

# Characters of a streamed answer held back while the model writes, so that a sensitive word
# (with spaces or punctuation slipped between its characters) is whole before it is shown.
STREAM_HOLD_BACK = 48


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

    def ask(self, question: str, user: User, history: Sequence[Turn] = ()) -> Answer:
        for event in self.stream(question, user, history):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream() always ends with the answer")

    def stream(self, question: str, user: User, history: Sequence[Turn] = ()) -> Iterator[Event]:
        started = time.perf_counter()
        if self.rate_limiter is not None:
            self.rate_limiter.check(user.name, user.groups, user.client).raise_if_refused()
        if self.sensitive.contains(question):
            # Refused before retrieval: the question reaches neither the index nor the model.
            yield Event("passages", passages=[])
            yield Event(
                "answer",
                answer=self._refusal(question, [], started, self.policies.sensitive_refusal),
            )
            return
        passages = self.relevant_passages(question, user)
        yield Event("passages", passages=passages)
        if not passages:
            yield Event("answer", answer=self._refusal(question, passages, started))
            return
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
        checked = check_citations(raw, passages, self.policies.refusal)
        text = self.sensitive.redact(checked.text)
        yield Event(
            "answer",
            answer=Answer(
                question=question,
                answer=text,
                refused=checked.refused,
                citations=checked.citations,
                passages=passages,
                latency_ms=(time.perf_counter() - started) * 1000,
                model=self.llm.name,
                flagged=checked.flagged,
                dropped=checked.dropped,
            ),
        )

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
