"""The answering path up to the model, over many question files at once, with no LLM.

    .venv/bin/python bench/gate.py --data-dir DIR --out RUN.jsonl tests/fixtures/devset \
        tests/fixtures/holdout*
    .venv/bin/python bench/gate.py --data-dir DIR2 --out RUN2.jsonl --compare RUN.jsonl …

For each question: the search, the named-passage swap (a passage the keyword index finds for a
name no passage found writes) and the relevance gate, as `Assistant.relevant_passages` runs them
(`found_passages`, then the gate) with translation off. Prints, for answerable and near-domain
questions, the share with the right page in the top 3 and the share the gate lets through to
the model. Seconds a hundred questions, so a change to retrieval, the keyword index or the gate
is measured on every question file, not one set. --compare lists the questions whose outcome
differs from an earlier run (of other code or another index: ingest each with its own code into
its own data dir).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answer import User  # noqa: E402
from assistant.evaluation.scoring import load_questions, passage_hits  # noqa: E402
from assistant.llm import LLMError, Message  # noqa: E402
from pagewise.settings import Settings  # noqa: E402
from ui.components import build  # noqa: E402


class NoLLM:
    """Nothing here may reach a model: translation is off and nothing is generated."""

    name = "none"

    def count_tokens(self, text: str) -> int:
        return len(text)

    def stream(
        self, messages: Sequence[Message], max_tokens: int = 512, temperature: float = 0.0
    ) -> Iterator[str]:
        raise LLMError("bench/gate.py asks no model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path, nargs="+", help="question files or folders")
    parser.add_argument("--data-dir", type=Path, required=True, help="an ingested data dir")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="an earlier --out to list changes against")
    args = parser.parse_args()

    settings = Settings(data_dir=args.data_dir, translate_questions=False)
    user = User("bench")
    rows = []
    with build(settings) as components:
        assistant = components.assistant(llm=NoLLM(), rate_limited=False, audited=False)
        for path in args.questions:
            for question in load_questions(path):
                # Assistant.relevant_passages with translation off, its two steps kept apart.
                found, translated = assistant.found_passages(question.q, user)
                kept = assistant.guards.relevance.relevant(question.q, found, translated)
                rows.append(
                    {
                        "set": path.name,
                        "q": question.q,
                        "near": not question.answerable,
                        "hit": any(passage_hits(p, question) for p in found),
                        "kept": bool(kept),
                        "pages": [f"{p.doc}:{p.page}" for p in found],
                    }
                )
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    print(f"{'':10} {'questions':>9} {'top 3':>6} {'kept':>6}")
    for near, label in ((False, "answerable"), (True, "near")):
        part = [r for r in rows if r["near"] is near]
        if part:
            hit = sum(r["hit"] for r in part) / len(part)
            kept = sum(r["kept"] for r in part) / len(part)
            shown = "-" if near else f"{hit:.3f}"  # a near-domain question has no right page
            print(f"{label:10} {len(part):>9} {shown:>6} {kept:>6.3f}")
    if args.compare:
        earlier = {(r["set"], r["q"]): r for r in map(json.loads, args.compare.open())}
        for row in rows:
            old = earlier.get((row["set"], row["q"]))
            if old and (old["hit"], old["kept"]) != (row["hit"], row["kept"]):
                print(f"{row['set']}: {row['q']}  top 3 {old['hit']}->{row['hit']}", end="")
                print(f"  kept {old['kept']}->{row['kept']}\n  {old['pages']}\n  {row['pages']}")


if __name__ == "__main__":
    main()
