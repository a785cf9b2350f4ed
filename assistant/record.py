"""The audit record of one question: written exactly once, whatever the outcome."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from pagewise.audit.log import AuditLog
from pagewise.errors import PagewiseError

if TYPE_CHECKING:
    from assistant.answer import Answer, User

log = logging.getLogger(__name__)


class QuestionRecord:
    """Outcomes: answered, refused, sensitive_refused, rate_limited or error. Without an audit
    log (evaluation runs) nothing is written."""

    def __init__(self, audit: AuditLog | None, question: str, user: User, model: str) -> None:
        self.audit = audit
        self.question = question
        self.user = user
        self.model = model
        self.started = time.perf_counter()
        self.written = False
        # The standalone question searched instead, when the question leaned on the chat: kept
        # next to the question in the record, whatever the outcome.
        self.rewritten: str | None = None

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def write(self, outcome: str, latency_ms: float | None = None, **fields: Any) -> str | None:
        if self.audit is None or self.written:
            return None
        if latency_ms is None:
            latency_ms = self.elapsed_ms()
        if self.rewritten is not None:
            fields = {"rewritten_question": self.rewritten, **fields}
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
        """Record the answer (or refusal) given, and name the record on the answer."""
        extra: dict[str, Any] = {
            "removed": [r.as_json() for r in answer.removed],
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
