"""The dev set over all shared documents: record answers once, then score the gates offline.

    .venv/bin/python bench/devset.py record --out RUN.jsonl [--questions DIR] [--docs DIR]
    .venv/bin/python bench/devset.py score RUN.jsonl [--min-similarity X] [--min-term-overlap Y]
                                         [--min-word-support Z] [--check llm|terms|flag]

`record` ingests every document, then asks every question through the real Assistant with
the configured LLM (the embedded CPU model by default) and gates opened wide, and writes, per
question, the passages with their scores, the model's raw answer, the judge's reply and the
time each call took. `score` replays the gates and the grounding on that file with the given
thresholds (no model needed, seconds), so thresholds are chosen on many variants of one run.
`--check flag` replays the behaviour before sentence-level grounding: every sentence with a
valid citation is shown (unsupported ones were only flagged).

    .venv/bin/python bench/devset.py rejudge RUN.jsonl --out RUN2.jsonl

When the grounding changed after a run was recorded, the replayed judge may meet sentences its
recorded reply never judged, and the question check (assistant/on_question.py) answers it
never saw (`score` counts both; they are kept). `rejudge` asks the real judge and check again
for those answers and writes the run with the new replies.

    .venv/bin/python bench/devset.py served RUN.jsonl --out RUN2.jsonl   # then rejudge RUN2

With the gates opened wide, the recorded model saw passages that the assistant, with its
thresholds, never shows it; an answer citing one is invalid in the replay, where the served
model would have answered from the kept passages. `served` generates those answers again from
the kept passages only (a few a run), so that `rejudge` and `score` give what a user gets.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from machine_info import describe  # noqa: E402

from assistant.answer import Answer, User  # noqa: E402
from assistant.citations import CITATION, check_citations  # noqa: E402
from assistant.claims import Claim  # noqa: E402
from assistant.evaluation.scoring import (  # noqa: E402
    AnswerScore,
    Question,
    Result,
    grouped,
    load_questions,
    summarize,
)
from assistant.grounding import Grounded, SupportJudge, ground  # noqa: E402
from assistant.guards import RelevanceGate  # noqa: E402
from assistant.judge import SYSTEM as JUDGE_SYSTEM  # noqa: E402
from assistant.judge import headed, judge_messages, parse_verdicts, unframed  # noqa: E402
from assistant.llm import LLM, Message, complete  # noqa: E402
from assistant.on_question import SYSTEM as QUESTION_CHECK_SYSTEM  # noqa: E402
from assistant.on_question import (  # noqa: E402
    cited_texts,
    corrects,
    off_question,
    parse_reply,
    question_messages,
)
from assistant.prompt import build_messages  # noqa: E402
from assistant.quote import SYSTEM as QUOTE_SYSTEM  # noqa: E402
from assistant.quote import QuoteFallback, eligible  # noqa: E402
from assistant.retrieval import Passage  # noqa: E402
from assistant.translation import INSTRUCTIONS  # noqa: E402
from assistant.yes_no import SYSTEM as YES_NO_SYSTEM  # noqa: E402
from assistant.yes_no import YesNoCheck  # noqa: E402
from pagewise.embedder import UseEmbedder  # noqa: E402
from pagewise.policies import Policies, load_policies  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from pagewise.text import squeeze  # noqa: E402
from ui.components import build, make_llm  # noqa: E402

TRANSLATE_SYSTEMS = set(INSTRUCTIONS.values())
DEFAULT_QUESTIONS = REPO / "tests" / "fixtures" / "devset"
DEFAULT_DOCS = REPO.parent / "shared" / "docs"


class RecordingLLM:
    """The real LLM, with each call's output and duration kept."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm
        self.name = llm.name
        # system prompt, output, seconds, last message
        self.calls: list[tuple[str, str, float, str]] = []

    def count_tokens(self, text: str) -> int:
        return self.llm.count_tokens(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        started = time.perf_counter()
        pieces = list(self.llm.stream(messages, max_tokens, temperature))
        elapsed = time.perf_counter() - started
        self.calls.append((messages[0].content, "".join(pieces), elapsed, messages[-1].content))
        yield from pieces


def record(args: argparse.Namespace) -> None:
    # --every 4 --offset 1: a spread sample over every document (the files go one by one).
    questions = load_questions(args.questions)[args.offset :: args.every][: args.limit or None]
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="pagewise-devset-"))
    # Gates wide open: every question reaches the model, and `score` applies the thresholds.
    settings = Settings(data_dir=data_dir, min_similarity=0.0, min_term_overlap=0.0)
    print(describe(), file=sys.stderr)
    with build(settings) as components, args.out.open("w", encoding="utf-8") as out:
        summary = components.ingestor().ingest(sorted(args.docs.iterdir()), "default")
        print(f"ingested {summary.pages} pages, {summary.chunks} chunks", file=sys.stderr)
        llm = RecordingLLM(make_llm(settings))
        assistant = components.assistant(llm=llm, rate_limited=False, audited=False)
        assistant.guards.relevance = RelevanceGate(0.0, 0.0, names=False)
        for number, question in enumerate(questions, start=1):
            llm.calls.clear()
            answer = assistant.ask(question.q, User("bench"))
            calls = {system: (out, seconds, last) for system, out, seconds, last in llm.calls}
            # The answering call is made under the question's language's system prompt.
            prompts = assistant.policies.all_system_prompts()
            answering = [calls[p] for p in prompts if p in calls]
            raw, generate_s, _ = answering[0] if answering else ("", 0.0, "")
            # The judge's first call, then its second looks (see assistant/second_look.py).
            judge_calls = [c for c in llm.calls if c[0] == JUDGE_SYSTEM]
            judged = judge_calls[0][1:] if judge_calls else None
            translated = [c for c in llm.calls if c[0] in TRANSLATE_SYSTEMS]
            row = {
                "question": asdict(question),
                "passages": [asdict(p) for p in answer.passages],
                "raw": raw,
                "generate_s": round(generate_s, 2),
                "translation": translated[0][1] if translated else None,
                "translate_s": round(translated[0][2], 2) if translated else 0.0,
                "judge": judged[0] if judged else None,
                "judge_s": round(judged[1], 2) if judged else 0.0,
                "judge_prompt": judged[2] if judged else None,
                "judge_more": [
                    {"judge": out, "judge_s": round(seconds, 2), "judge_prompt": last}
                    for _, out, seconds, last in judge_calls[1:]
                ],
                "question_check": next(
                    (
                        {"reply": out, "prompt": last, "s": round(seconds, 2)}
                        for system, out, seconds, last in llm.calls
                        if system == QUESTION_CHECK_SYSTEM
                    ),
                    None,
                ),
                "yes_no_check": [
                    {"reply": out, "prompt": last, "s": round(seconds, 2)}
                    for system, out, seconds, last in llm.calls
                    if system == YES_NO_SYSTEM
                ],
                # The quotation fallback's requests, and every question check (its own among
                # them): replayed by their request, so extra ones do no harm.
                "quote_calls": [
                    {"reply": out, "prompt": last, "s": round(seconds, 2)}
                    for system, out, seconds, last in llm.calls
                    if system in (QUOTE_SYSTEM, QUESTION_CHECK_SYSTEM)
                ],
                "answer": answer.answer,
                "refused": answer.refused,
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            state = "refused" if answer.refused else "answered"
            print(f"{number}/{len(questions)} {question.kind:<8} {state}", file=sys.stderr)


class ReplayJudge:
    """The judge's recorded reply, read for the claims it was asked about."""

    name = "llm check"

    # Claims replayed that the recorded judge was never asked about (kept, as the judge keeps
    # a sentence it gives no verdict for): `score` reports how many, `rejudge` asks about them.
    unasked: ClassVar[list[str]] = []

    def __init__(
        self,
        reply: str | None,
        asked: Sequence[str],
        more: Sequence[dict[str, Any]] = (),
        question: str = "",
    ) -> None:
        self.question = question  # the judge is sent each claim without the question's setting
        self.by_text = _verdicts(reply, asked)
        # The second looks' replies: the same sentences, cited to another passage.
        self.later: dict[str, bool] = {}
        for call in more:
            self.later |= _verdicts(call["judge"], _statements(call["judge_prompt"]))
        self.calls = 0

    def sent(self, claims: Sequence[Claim]) -> list[str]:
        """Each claim as the judge is asked about it: the key of its recorded verdict."""
        return [_plain(unframed(c.text, self.question)) for c in claims]

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        known = self.by_text if self.calls == 0 else self.later
        self.calls += 1
        sent = self.sent(claims)
        ReplayJudge.unasked += [
            c.text for c, text in zip(claims, sent, strict=True) if text not in known
        ]
        return [known.get(text, True) for text in sent]


def _verdicts(reply: str | None, asked: Sequence[str]) -> dict[str, bool]:
    verdicts = parse_verdicts(reply, len(asked)) if reply is not None else []
    return {_plain(text): ok for text, ok in zip(asked, verdicts, strict=False)}


def _plain(sentence: str) -> str:
    """A judged sentence without its marks: renumbering does not change what was judged."""
    return squeeze(re.sub(r"\[\d+\]", "", sentence))


class AskingJudge:
    """The real judge, asked (and its reply written into the row) when the replayed claims are
    not those the recording's judge was asked about."""

    name = "llm check"

    def __init__(self, llm: LLM, row: dict[str, Any], passages: Sequence[Passage]) -> None:
        self.llm, self.row, self.passages = llm, row, list(passages)
        self.asked = 0
        self.calls = 0

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        first = self.calls == 0  # then the second looks
        self.calls += 1
        more = self.row.setdefault("judge_more", [])
        question = self.row["question"]["q"]
        recorded = ReplayJudge(self.row["judge"], _judged(self.row, [], None), more, question)
        known = recorded.by_text if first else recorded.later
        sent = recorded.sent(claims)
        if all(text in known for text in sent):
            return [known[text] for text in sent]
        messages = judge_messages([headed(p) for p in self.passages], claims, question)
        started = time.perf_counter()
        reply = complete(self.llm, messages, max_tokens=6 * len(claims) + 6)
        call = {
            "judge": reply,
            "judge_prompt": messages[-1].content,
            "judge_s": round(time.perf_counter() - started, 2),
        }
        if first:
            self.row |= call
            self.row["judge_more"] = []  # asked about other sentences: their looks are stale
        else:
            more.append(call)
        self.asked += 1
        return parse_verdicts(reply, len(claims))


class EmbeddingSimilarity:
    """The assistant's cross-language check: the embedder's cosine, each pair computed once."""

    def __init__(self) -> None:
        self.embedder = UseEmbedder()
        self.known: dict[tuple[str, str], float] = {}

    def __call__(self, sentence: str, text: str) -> float:
        if (sentence, text) not in self.known:
            first, second = self.embedder.embed([sentence, text])
            self.known[sentence, text] = sum(a * b for a, b in zip(first, second, strict=True))
        return self.known[sentence, text]


SIMILARITY: list[EmbeddingSimilarity] = []


def similarity() -> EmbeddingSimilarity:
    if not SIMILARITY:
        SIMILARITY.append(EmbeddingSimilarity())
    return SIMILARITY[0]


def replay(
    row: dict[str, Any],
    gate: RelevanceGate,
    check: str,
    word: float,
    policies: Policies,
    asking: LLM | None = None,
    cross: float = 0.0,
    yes_no: bool = False,
    quote: bool = False,
) -> Result:
    question = Question(**row["question"])
    # As the assistant does: the refusal in the question's language, and a reply that is any
    # language's refusal counts as one.
    refusal = policies.refusal_for(question.q)
    found = [Passage(**p) for p in row["passages"]]
    passages = gate.relevant(question.q, found, row.get("translation") or "")
    latency = row["generate_s"] * 1000 + (row["judge_s"] * 1000 if check == "llm" else 0)
    answer = Answer(question.q, refusal, True, [], passages, latency, "replay")
    if not passages:
        return question, answer
    raw = renumbered_for(row["raw"], found, passages)
    checked = check_citations(raw, passages, refusal, policies.all_refusals(), question.q)
    if checked.refused:
        return question, answer
    if check == "flag":  # before grounding: every cited sentence was shown
        return question, replace(
            answer, answer=checked.text, refused=False, citations=checked.citations
        )
    judge: SupportJudge | None = None
    if check == "llm":
        judge = (
            AskingJudge(asking, row, passages)
            if asking is not None
            else ReplayJudge(
                row["judge"],
                _judged(row, found, policies),
                row.get("judge_more", []),
                question.q,
            )
        )
    grounded = ground(
        checked.text,
        passages,
        refusal,
        question=question.q,
        min_word_support=word,
        judge=judge,
        similarity=similarity() if cross > 0 else None,
        min_cross_support=cross,
        confirm=YesNoCheck(ReplayedLLM(row, asking, YES_NO), passages, question.q).confirms
        if check == "llm" and yes_no
        else None,
    )
    to_check = judge is not None and not grounded.refused
    if to_check and not _answers_question(row, question.q, grounded, passages, asking):
        grounded = off_question(grounded, refusal)
    if judge is not None and quote and eligible(grounded, passages):
        fallback = QuoteFallback(ReplayedLLM(row, asking, QUOTE))
        grounded = fallback.answer(question.q, passages, grounded.removed) or grounded
    return question, replace(
        answer,
        answer=grounded.text,
        refused=grounded.refused,
        citations=grounded.citations,
        removed=grounded.removed,
    )


YES_NO, QUOTE = "yes_no_check", "quote_calls"


class ReplayedLLM:
    """The recorded replies of the yes-or-no check (assistant/yes_no.py) or of the quotation
    fallback (assistant/quote.py), kept in the row under ``key``, by their request; a request
    never recorded is asked of ``asking`` and written into the row, or, without it, gets no
    reply (the lead stays removed, no quotation is shown; `score` counts these)."""

    name = "replayed"
    unasked: ClassVar[dict[str, list[str]]] = {YES_NO: [], QUOTE: []}

    def __init__(self, row: dict[str, Any], asking: LLM | None, key: str) -> None:
        self.row, self.asking, self.key = row, asking, key

    def count_tokens(self, text: str) -> int:
        return len(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        prompt = messages[-1].content
        calls = self.row.setdefault(self.key, [])
        for call in calls:
            if call["prompt"] == prompt:
                yield call["reply"]
                return
        if self.asking is None:
            ReplayedLLM.unasked[self.key].append(prompt)
            return
        started = time.perf_counter()
        reply = complete(self.asking, messages, max_tokens, temperature)
        seconds = round(time.perf_counter() - started, 2)
        calls.append({"reply": reply, "prompt": prompt, "s": seconds})
        yield reply


# Answers replayed that the recorded question check never saw (kept): `score` reports how
# many, `rejudge` asks about them.
UNCHECKED: list[str] = []


def _answers_question(
    row: dict[str, Any],
    question: str,
    grounded: Grounded,
    passages: Sequence[Passage],
    asking: LLM | None,
) -> bool:
    """The question check's recorded verdict for this very request, else (with ``asking``)
    the real check, asked and written into the row (see assistant/on_question.py)."""
    if corrects(question, grounded.text):
        return True
    messages = question_messages(question, grounded.text, cited_texts(grounded, passages))
    recorded = row.get("question_check")
    if recorded and recorded["prompt"] == messages[-1].content:
        return parse_reply(recorded["reply"])
    if asking is None:
        UNCHECKED.append(grounded.text)
        return True
    started = time.perf_counter()
    reply = complete(asking, messages, max_tokens=4)
    seconds = round(time.perf_counter() - started, 2)
    row["question_check"] = {"reply": reply, "prompt": messages[-1].content, "s": seconds}
    return parse_reply(reply)


def renumbered_for(raw: str, found: Sequence[Passage], shown: Sequence[Passage]) -> str:
    """The recorded answer's marks renumbered onto the passages the gates keep.

    The run was recorded with every passage shown to the model; a gate that drops passage 2 of
    3 makes the model's [3] the gated list's [2]. A mark on a passage the gate dropped becomes
    [0], an invalid citation, as a passage the model would not have seen. A mark on no passage
    at all stays as written, as the assistant meets it (it may be a worksheet's row)."""
    position = {p.chunk_id: n for n, p in enumerate(shown, start=1)}

    def renumber(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        new = [
            position.get(found[n - 1].chunk_id, 0) if 1 <= n <= len(found) else n for n in numbers
        ]
        return "".join(f"[{n}]" for n in new)

    return CITATION.sub(renumber, raw)


def _judged(row: dict[str, Any], found: list[Passage], policies: Policies | None) -> list[str]:
    """The sentences the judge was asked about when the run was recorded."""
    if row.get("judge_prompt"):
        return _statements(row["judge_prompt"])
    if policies is None:
        return []
    # Older runs did not keep the prompt: the same grounding, all passages, no threshold.
    capture = _Capture()
    refusal = policies.refusal_for(row["question"]["q"])
    question = row["question"]["q"]
    recorded = check_citations(row["raw"], found, refusal, policies.all_refusals(), question)
    ground(recorded.text, found, refusal, question=row["question"]["q"], judge=capture)
    return [c.text for c in capture.asked]


def _statements(prompt: str) -> list[str]:
    listing = prompt.rsplit("Statements:\n", 1)[-1].split("\n\nFor each")[0]
    return re.findall(r"^\d+\. (.*)$", listing, re.MULTILINE)


class _Capture:
    """A judge that keeps everything and remembers what it was asked."""

    name = "capture"

    def __init__(self) -> None:
        self.asked: list[Claim] = []

    def judge(self, claims: Sequence[Claim]) -> list[bool]:
        self.asked = list(claims)
        return [True] * len(claims)


def served(args: argparse.Namespace) -> None:
    """The run with each answer that cites a passage the gates drop generated again as served:
    `record` shows the model every passage so that `score` can try other thresholds, but the
    assistant shows it only those the gates keep, and a mark on a dropped one is invalid."""
    rows = [json.loads(line) for line in args.run.read_text(encoding="utf-8").splitlines() if line]
    policies = load_policies(REPO / "policies")
    gate = RelevanceGate(args.min_similarity, args.min_term_overlap, args.min_term_match)
    llm: LLM | None = None
    again = 0
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            question = row["question"]["q"]
            found = [Passage(**p) for p in row["passages"]]
            kept = gate.relevant(question, found, row.get("translation") or "")
            marks = renumbered_for(row["raw"], found, kept)
            if kept and len(kept) < len(found) and "[0]" in marks:
                llm = llm or make_llm(
                    Settings(data_dir=args.data_dir) if args.data_dir else Settings()
                )
                messages = build_messages(policies.system_prompt_for(question), question, kept)
                started = time.perf_counter()
                row["raw"] = complete(llm, messages, 512, 0.0)
                row["generate_s"] = round(time.perf_counter() - started, 2)
                row["passages"] = [asdict(p) for p in kept]
                row |= {"judge": None, "judge_prompt": None, "judge_s": 0.0, "judge_more": []}
                again += 1
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{again} answers generated again as served; `rejudge` the run next", file=sys.stderr)


def rejudge(args: argparse.Namespace) -> None:
    """The run again, with the judge asked wherever today's grounding sends it other claims
    than the recorded ones (the generation, translation and passages are kept)."""
    rows = [json.loads(line) for line in args.run.read_text(encoding="utf-8").splitlines() if line]
    policies = load_policies(REPO / "policies")
    gate = RelevanceGate(args.min_similarity, args.min_term_overlap, args.min_term_match)
    # The configured data dir (or --data-dir): where the embedded model is already joined.
    llm = make_llm(Settings(data_dir=args.data_dir) if args.data_dir else Settings())
    asked = 0
    with args.out.open("w", encoding="utf-8") as out:
        for number, row in enumerate(rows, start=1):
            before = json.dumps([row.get(k) for k in ("judge", "question_check", YES_NO, QUOTE)])
            replay(
                row,
                gate,
                "llm",
                args.min_word_support,
                policies,
                llm,
                args.min_cross_support,
                args.yes_no_check,
                args.quote_fallback,
            )
            after = json.dumps([row.get(k) for k in ("judge", "question_check", YES_NO, QUOTE)])
            asked += after != before
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{number}/{len(rows)} judge asked again: {asked}", file=sys.stderr)


def score(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in args.run.read_text(encoding="utf-8").splitlines() if line]
    # e.g. --exclude .pptx,.xlsx: documents that ingestion could not read when the run was made
    skipped = tuple(s for s in args.exclude.split(",") if s)
    rows = [r for r in rows if not (skipped and str(r["question"]["doc"]).endswith(skipped))]
    policies = load_policies(REPO / "policies")
    gate = RelevanceGate(args.min_similarity, args.min_term_overlap, args.min_term_match)
    results = [
        replay(
            r,
            gate,
            args.check,
            args.min_word_support,
            policies,
            None,
            args.min_cross_support,
            args.yes_no_check,
            args.quote_fallback,
        )
        for r in rows
    ]
    print(
        f"{len(rows)} questions from {args.run.name}; min_similarity {args.min_similarity},"
        f" min_term_overlap {args.min_term_overlap}, min_term_match {args.min_term_match},"
        f" min_word_support {args.min_word_support},"
        f" min_cross_support {args.min_cross_support}, check {args.check},"
        f" yes_no_check {args.yes_no_check}, quote_fallback {args.quote_fallback}"
    )
    table({"all": summarize(results)} | grouped(results, lambda q: q.kind))
    table(grouped(results, lambda q: q.doc or ""))
    unasked = len(ReplayJudge.unasked) if args.check == "llm" else 0
    print(f"claims replayed that the recorded judge was not asked about (kept): {unasked}")
    if args.check == "llm":
        print(f"answers the recorded question check never saw (kept): {len(UNCHECKED)}")
        print(
            "yes-or-no leads the recorded yes-or-no check never saw (removed):"
            f" {len(ReplayedLLM.unasked[YES_NO])}"
        )
        print(
            "requests of the quotation fallback never recorded (refused):"
            f" {len(ReplayedLLM.unasked[QUOTE])}"
        )
        checked = [r["question_check"]["s"] for r in rows if r.get("question_check")]
        print(
            f"question check mean {sum(checked) / max(len(checked), 1):.1f} s"
            f" over {len(checked)} answers"
        )
    judged = [r["judge_s"] for r in rows if r["judge"] is not None]
    generated = [r["generate_s"] for r in rows]
    translated = [r.get("translate_s", 0.0) for r in rows if r.get("translation") is not None]
    print(
        f"generation mean {sum(generated) / len(generated):.1f} s; judge call mean"
        f" {sum(judged) / max(len(judged), 1):.1f} s over {len(judged)} answers; translation"
        f" mean {sum(translated) / max(len(translated), 1):.1f} s over {len(translated)}"
    )


FIELDS = (
    "questions",
    "hit_at_3",
    "answered_when_covered",
    "refused_when_uncovered",
    "citation_precision",
    "faithfulness",
    "expected_fact",
)


def table(scores: dict[str, AnswerScore]) -> None:
    names = [n.removesuffix(".pdf") for n in scores]
    width = max(10, *(len(n) + 2 for n in names))
    print(f"{'':<24}" + "".join(f"{n:>{width}}" for n in names))
    for field in FIELDS:
        cells = [getattr(s, field) for s in scores.values()]
        text = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in cells]
        print(f"{field:<24}" + "".join(f"{t:>{width}}" for t in text))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record")
    rec.add_argument("--out", type=Path, required=True)
    rec.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    rec.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    rec.add_argument("--data-dir", type=Path)
    rec.add_argument("--limit", type=int, default=0)
    rec.add_argument("--every", type=int, default=1, help="Only every K-th question.")
    rec.add_argument("--offset", type=int, default=0, help="Start at this question (0-based).")
    sco = commands.add_parser("score")
    rej = commands.add_parser("rejudge")
    rej.add_argument("--out", type=Path, required=True)
    rej.add_argument("--data-dir", type=Path)
    ser = commands.add_parser("served")
    ser.add_argument("--out", type=Path, required=True)
    ser.add_argument("--data-dir", type=Path)
    defaults = Settings()
    for sub in (sco, rej, ser):
        sub.add_argument("run", type=Path)
        sub.add_argument("--min-similarity", type=float, default=defaults.min_similarity)
        sub.add_argument("--min-term-overlap", type=float, default=defaults.min_term_overlap)
        sub.add_argument("--min-term-match", type=float, default=defaults.min_term_match)
        sub.add_argument("--min-word-support", type=float, default=defaults.min_word_support)
        sub.add_argument("--min-cross-support", type=float, default=defaults.min_cross_support)
    for sub in (sco, rej):
        sub.add_argument(
            "--yes-no-check", action=argparse.BooleanOptionalAction, default=defaults.yes_no_check
        )
        sub.add_argument(
            "--quote-fallback",
            action=argparse.BooleanOptionalAction,
            default=defaults.quote_fallback,
        )
    sco.add_argument("--check", choices=("llm", "terms", "flag"), default="llm")
    sco.add_argument("--exclude", default="", help="Leave out questions on these file types.")
    args = parser.parse_args()
    {"record": record, "score": score, "rejudge": rejudge, "served": served}[args.command](args)


if __name__ == "__main__":
    main()
