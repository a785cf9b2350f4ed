"""Answer quality and latency: this design against a plain llama-index pipeline, in one run.

    .venv/bin/python bench/answer.py [--shared PATH] [--questions PATH] [--every K]

Both pipelines read the same manuals (a file or a folder: by default every shared document
that ingestion reads), use the same embedder and the same LLM (the configured one: the
embedded CPU model by default); the table shows page-level hit@1/hit@3 and MRR, refusal
accuracy, citation precision, faithfulness, the expected-fact rate and answer latency.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answer import Answer, Assistant, User  # noqa: E402
from assistant.evaluation.baseline import BaselinePipeline  # noqa: E402
from assistant.evaluation.scoring import AnswerScore, load_questions, score_answers  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from ui.components import build  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "docs"
DEFAULT_QUESTIONS = REPO / "tests" / "fixtures" / "devset"


class Ours:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def ask(self, question: str) -> Answer:
        return self.assistant.ask(question, User("bench"))


def progress(name: str) -> Callable[[Answer], None]:
    def show(answer: Answer) -> None:
        outcome = "REFUSED" if answer.refused else "answered"
        print(f"  {name}: {answer.question[:30]} -> {outcome}", file=sys.stderr, flush=True)

    return show


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument(
        "--every", type=int, default=1, help="Only every K-th question (a spread sample)."
    )
    args = parser.parse_args()
    questions = load_questions(args.questions)
    questions = questions[:: args.every]

    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="pagewise-bench-")))
    components = build(settings)
    components.ingestor().ingest([args.shared], "default")
    files = [Path(d.path) for d in components.catalog.documents()]
    assistant = components.assistant(rate_limited=False, audited=False)
    baseline = BaselinePipeline(
        files, components.embedder, assistant.llm, policies=assistant.policies
    )
    scores: dict[str, AnswerScore] = {}
    for name, pipeline in (("pagewise", Ours(assistant)), ("llama-index", baseline)):
        started = time.perf_counter()
        scores[name] = score_answers(pipeline, questions, progress(name))
        print(f"{name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    components.close()

    print(f"{len(questions)} questions on {args.shared.name}; LLM {assistant.llm.name}")
    print(f"{'metric':<26}{'pagewise':>12}{'llama-index':>14}")
    for field in AnswerScore.__dataclass_fields__:
        values = [getattr(scores[n], field) for n in ("pagewise", "llama-index")]
        cells = [
            f"{v:.3f}" if isinstance(v, float) and "latency" not in field else f"{v:.0f}"
            for v in values
        ]
        print(f"{field:<26}{cells[0]:>12}{cells[1]:>14}")


if __name__ == "__main__":
    main()
