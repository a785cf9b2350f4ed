"""The assistant: retrieve, prompt, generate, check citations, and audit every question."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace

from assistant.across import Cosine
from assistant.citations import CheckedAnswer, Citation, check_citations
from assistant.followup import Condenser
from assistant.grounding import Grounded, Removed, ground
from assistant.guards import Guards, reveals_rules, rule_lines, unmentioned_names
from assistant.judge import LLMJudge
from assistant.llm import LLM, Message, complete
from assistant.on_question import QuestionCheck, off_question
from assistant.prompt import Turn, build_messages, trim_history
from assistant.quote import QuoteFallback, eligible
from assistant.record import QuestionRecord
from assistant.retrieval import Passage, Retriever
from assistant.translation import Translator, fuse
from assistant.yes_no import Confirm, YesNoCheck
from pagewise.audit.log import AuditLog
from pagewise.policies import Policies


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
    # Sentences taken out before the answer was shown, each with its reason.
    removed: list[Removed] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    dropped_references: list[str] = field(default_factory=list)
    # The audit record of this exchange: feedback on the answer refers to it.
    audit_id: str | None = None
    # The standalone question searched and answered, when the question leaned on the chat.
    rewritten: str | None = None

    def as_json(self) -> dict[str, object]:
        rewritten = {"rewritten": self.rewritten} if self.rewritten else {}
        return {
            **rewritten,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.as_json() for c in self.citations],
            "passages": [p.as_json() for p in self.passages],
            "latency_ms": round(self.latency_ms, 1),
            "removed": [r.as_json() for r in self.removed],
            "model": self.model,
        }


@dataclass(frozen=True)
class Event:
    """One step of an answer: the passages, progress ("writing", "checking"), the checked
    text, and the answer. No text is sent before it has been checked: nothing is withdrawn."""

    kind: str  # rewritten (the standalone question), passages, progress, token, answer
    passages: list[Passage] | None = None
    text: str = ""
    answer: Answer | None = None


@dataclass(frozen=True)
class AnswerOptions:
    """How much is retrieved and how the model is asked."""

    top_k: int = 3
    history_tokens: int = 1024
    max_tokens: int = 512
    temperature: float = 0.0
    answer_check: str = "llm"  # or "terms": no judging call
    min_word_support: float = 0.3
    min_cross_support: float = 0.35
    yes_no_check: bool = False  # a second opinion on a removed yes or no (assistant/yes_no.py)
    quote_fallback: bool = False  # the passage's own sentence, before refusing (assistant/quote.py)
    translate_questions: bool = True  # also search with the question in the other language
    rewrite_followups: bool = True  # a question that leans on the chat is made standalone


class Assistant:
    """Guards, retrieval, generation, the citation check and the audit record, in that order."""

    def __init__(
        self,
        retriever: Retriever,
        llm: LLM,
        policies: Policies,
        options: AnswerOptions | None = None,
        guards: Guards | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.policies = policies
        self.options = options or AnswerOptions()
        self.guards = guards or Guards()
        self.audit = audit
        self._rule_lines = tuple(
            line for prompt in policies.all_system_prompts() for line in rule_lines(prompt)
        )

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
        record = QuestionRecord(self.audit, question, user, self.llm.name)
        try:
            yield from self._stream(question, user, history, record)
        except BaseException as exc:
            # BaseException: an interrupted CLI (KeyboardInterrupt) or a reader that stopped
            # before the answer (GeneratorExit) was still a question, and is audited as one.
            record.failed(exc)
            raise

    def _stream(
        self, question: str, user: User, history: Sequence[Turn], record: QuestionRecord
    ) -> Iterator[Event]:
        self.guards.admit(user, record)
        sensitive = self.guards.sensitive
        if sensitive.contains(question):
            # Refused before retrieval: the question reaches neither the index nor the model.
            yield from self._sensitive_refusal(question, record)
            return
        asked = self.standalone(question, history)
        if asked != question:
            record.rewritten = asked
            yield Event("rewritten", text=asked)
            if sensitive.contains(asked):  # brought in from the chat: refused all the same
                yield from self._sensitive_refusal(question, record)
                return
        passages = self.relevant_passages(asked, user)
        yield Event("passages", passages=passages)
        if not passages:
            refusal = self._refusal(question, passages, record)
            record.answered(refusal, "refused")
            yield Event("answer", answer=refusal)
            return
        yield Event("progress", text="writing")
        messages = self.messages(asked, passages, history)
        raw = complete(self.llm, messages, self.options.max_tokens, self.options.temperature)
        yield Event("progress", text="checking")
        answer = self._checked_answer(question, raw, passages, record)
        # Recorded before any of it is shown: an answer whose record fails is not given.
        record.answered(answer, "refused" if answer.refused else "answered")
        yield Event("token", text=answer.answer)
        yield Event("answer", answer=answer)

    def _sensitive_refusal(self, question: str, record: QuestionRecord) -> Iterator[Event]:
        yield Event("passages", passages=[])
        text = self.policies.sensitive_refusal_for(question)
        refusal = self._refusal(question, [], record, text)
        record.answered(refusal, "sensitive_refused")
        yield Event("answer", answer=refusal)

    def standalone(self, question: str, history: Sequence[Turn] = ()) -> str:
        """The question to search and answer: rewritten from the recent turns when it leans on
        the chat ("那 toArray 呢？"), else the question itself (no model call)."""
        if not self.options.rewrite_followups:
            return question
        return Condenser(self.llm).standalone(question, history)

    def _checked_answer(
        self,
        question: str,
        raw: str,
        passages: list[Passage],
        record: QuestionRecord,
    ) -> Answer:
        """``question`` as asked picks the refusal's language; ``record.rewritten``, when set,
        is the question the passages were found for."""
        asked = record.rewritten or question
        refusal = self.policies.refusal_for(question)
        checked = self._check(raw, passages, refusal, asked)
        grounded = Grounded(checked.text, checked.refused)
        if not checked.refused:
            judge = (
                LLMJudge(self.llm, passages, asked) if self.options.answer_check == "llm" else None
            )
            grounded = ground(
                checked.text,
                passages,
                refusal,
                question=asked,
                min_word_support=self.options.min_word_support,
                judge=judge,
                similarity=Cosine(self.retriever.embedder),
                min_cross_support=self.options.min_cross_support,
                confirm=self._confirm(passages, asked) if judge else None,
            )
            check = QuestionCheck(self.llm) if judge is not None else None
            if check and not grounded.refused and not check.answers(asked, grounded, passages):
                grounded = off_question(grounded, refusal)
            if judge is not None and self.options.quote_fallback and eligible(grounded, passages):
                fallback = QuoteFallback(self.llm)
                grounded = fallback.answer(asked, passages, grounded.removed) or grounded
        # Everything of the answer that is shown or audited is redacted, not only its text:
        # the removed sentences, the titles and sections in references, the passages.
        redact = self.guards.sensitive.redact
        return Answer(
            question=question,
            answer=redact(grounded.text),
            refused=grounded.refused,
            citations=[
                replace(c, title=redact(c.title), section=redact(c.section), label=redact(c.label))
                for c in grounded.citations
            ],
            passages=[
                replace(p, title=redact(p.title), section=redact(p.section), text=redact(p.text))
                for p in passages
            ],
            latency_ms=record.elapsed_ms(),
            model=self.llm.name,
            removed=[Removed(redact(r.sentence), r.reason) for r in grounded.removed],
            dropped=checked.dropped,
            dropped_references=[redact(r) for r in checked.dropped_references],
            rewritten=record.rewritten,
        )

    def _confirm(self, passages: list[Passage], question: str) -> Confirm | None:
        if not self.options.yes_no_check:
            return None
        return YesNoCheck(self.llm, passages, question).confirms

    def _check(
        self, raw: str, passages: list[Passage], refusal: str, question: str
    ) -> CheckedAnswer:
        checked = check_citations(raw, passages, refusal, self.policies.all_refusals(), question)
        if not checked.refused and reveals_rules(checked.text, self._rule_lines):
            return CheckedAnswer(
                refusal,
                refused=True,
                dropped=checked.dropped,
                dropped_references=checked.dropped_references,
            )
        return checked

    def relevant_passages(self, question: str, user: User) -> list[Passage]:
        """The top passages for the question that are similar enough to be worth reading."""
        found, translated = self.found_passages(question, user)
        return self.guards.relevance.relevant(question, found, translated)

    def found_passages(self, question: str, user: User) -> tuple[list[Passage], str]:
        """The top passages found for the question before the relevance gate, and the
        question's translation that found some of them ("" when translation is off)."""
        k = self.options.top_k
        found = self.retriever.search(question, k, user.collections)
        translated = ""
        if self.options.translate_questions:
            translated = Translator(self.llm).translate(question)
            if translated:
                again = self.retriever.search(translated, k, user.collections)
                found = fuse([(question, found), (translated, again)], k)
        return self._with_named(question, found, translated, user), translated

    def _with_named(
        self, question: str, found: list[Passage], translated: str, user: User
    ) -> list[Passage]:
        """``found`` with its last passage given up for the one the keyword index finds for
        the names the question asks about that no passage found writes ("How does SLTU set
        rd?" found three pages on other instructions, and the gate refuses a question whose
        name no passage writes): the search by meaning and by all the question's words missed
        the one word that says what it is about."""
        missing = unmentioned_names(question, found, translated) if found else []
        if not missing:
            return found
        named = self.retriever.naming(question, missing, user.collections)
        if named is None or any(p.chunk_id == named.chunk_id for p in found):
            return found
        return [*found[: self.options.top_k - 1], named]

    def messages(
        self, question: str, passages: Sequence[Passage], history: Sequence[Turn] = ()
    ) -> list[Message]:
        recent = trim_history(history, self.options.history_tokens, self.llm.count_tokens)
        system_prompt = self.policies.system_prompt_for(question)
        return build_messages(system_prompt, question, passages, recent)

    def _refusal(
        self,
        question: str,
        passages: list[Passage],
        record: QuestionRecord,
        text: str | None = None,
    ) -> Answer:
        return Answer(
            question=question,
            answer=text or self.policies.refusal_for(question),
            refused=True,
            citations=[],
            passages=passages,
            latency_ms=record.elapsed_ms(),
            model=self.llm.name,
            rewritten=record.rewritten,
        )
