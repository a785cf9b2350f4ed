"""The checks around answering: the rate limit, the relevance gates that decide whether the
manuals cover a question, and the guard against an answer that reveals the system prompt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.record import QuestionRecord
from assistant.retrieval import Passage
from pagewise.keywords import mostly_chinese, partly_chinese, term_coverage
from pagewise.ratelimit import RateLimitedError, RateLimiter
from pagewise.sensitive import SensitiveWords
from pagewise.text import squeeze

if TYPE_CHECKING:
    from assistant.answer import User

# A line of the system prompt at least this long, repeated in an answer, means the model was
# talked into revealing its rules (by a question or a planted manual): the answer is refused.
RULE_LINE_MIN_CHARS = 12


@dataclass(frozen=True)
class RelevanceGate:
    """Passages below ``min_similarity`` are not used; a Chinese question needs
    ``min_term_overlap`` of its subject terms in some passage."""

    min_similarity: float = 0.28
    min_term_overlap: float = 0.15

    def relevant(self, question: str, passages: Sequence[Passage]) -> list[Passage]:
        kept = [p for p in passages if p.score >= self.min_similarity]
        # A Chinese question that shares almost none of its subject terms with any Chinese
        # passage is not covered, however similar the vectors look ("年假" finds rules about
        # "365 天"). Across languages terms cannot be shared, so only meaning counts there.
        chinese = [p for p in kept if partly_chinese(p.text)]
        if (
            mostly_chinese(question)
            and chinese
            and not any(
                term_coverage(question, f"{p.section}\n{p.text}") >= self.min_term_overlap
                for p in chinese
            )
        ):
            return []
        return kept


@dataclass
class Guards:
    """What stands between a question and the model: its rate limit, the sensitive words, the
    relevance gates."""

    sensitive: SensitiveWords = field(default_factory=SensitiveWords)
    rate_limiter: RateLimiter | None = None
    relevance: RelevanceGate = field(default_factory=RelevanceGate)

    def admit(self, user: User, record: QuestionRecord) -> None:
        """Raise RateLimitedError (after auditing it) when the user or client is over its limit."""
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


def rule_lines(system_prompt: str) -> tuple[str, ...]:
    """The system prompt's lines long enough that repeating one can only be a leak."""
    lines = (squeeze(line.lstrip("-*• ")) for line in system_prompt.splitlines())
    return tuple(line for line in lines if len(line) >= RULE_LINE_MIN_CHARS)


def reveals_rules(answer: str, lines: Sequence[str]) -> bool:
    squeezed = squeeze(answer)
    return any(line in squeezed for line in lines)
