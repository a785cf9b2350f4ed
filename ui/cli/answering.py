"""Commands that answer: ``ask``, and ``eval`` that scores answers on a question file."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click
from tqdm import tqdm

from assistant.answer import Answer, Assistant, User
from assistant.evaluation.scoring import (
    AnswerScore,
    Pipeline,
    collect_answers,
    grouped,
    load_questions,
    summarize,
)
from assistant.record import QuestionRecord
from pagewise.errors import PagewiseError
from pagewise.settings import Settings
from ui.cli.errors import friendly_errors
from ui.cli.identity import acting_user
from ui.cli.output import print_answer, print_json, print_scores
from ui.components import Components, build

log = logging.getLogger(__name__)


@click.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--collection", "-c", "collections", multiple=True, help="Search only these.")
@click.option("--user", "username", help="Ask as this directory user (their collections).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.pass_obj
@friendly_errors
def ask(
    settings: Settings,
    question: tuple[str, ...],
    collections: tuple[str, ...],
    username: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the manuals, citing document and page for every claim."""
    user = acting_user(settings, username, collections)
    text = " ".join(question)
    with build(settings) as components:
        try:
            assistant = components.assistant(groups=user.groups)
        except Exception as exc:
            # Every question leaves a record, also one that failed before the assistant was
            # ready (a model that would not load, a policy file that would not parse).
            _audit_failure(components, text, user, exc)
            raise
        if not as_json and sys.stderr.isatty():
            click.echo("Thinking…", err=True)
        answer = assistant.ask(text, user)
    if as_json:
        print_json(answer.as_json())
    else:
        print_answer(answer)


def _audit_failure(components: Components, question: str, user: User, exc: Exception) -> None:
    try:
        audit = components.audit_log
    except PagewiseError:  # no audit log to write to: the question's own error is what counts
        log.exception("the audit record of a failed question was not written")
        return
    QuestionRecord(audit, question, user, components.settings.llm_backend).failed(exc)


class _AssistantPipeline:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def ask(self, question: str) -> Answer:
        return self.assistant.ask(question, User("eval"))


@click.command(name="eval")
@click.argument("questions_file", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--baseline", is_flag=True, help="Also run a plain llama-index pipeline on the same documents."
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.pass_obj
@friendly_errors
def evaluate(settings: Settings, questions_file: Path, baseline: bool, as_json: bool) -> None:
    """Score answers on QUESTIONS_FILE (JSON lines: q, doc, pages or section, expect; no pages
    and no section = must be refused), or on every *.jsonl file of a folder."""
    questions = load_questions(questions_file)
    results = {}
    with build(settings) as components:
        for name, pipeline in _pipelines(components, baseline).items():
            with tqdm(total=len(questions), desc=name, disable=None, file=sys.stderr) as bar:
                results[name] = collect_answers(pipeline, questions, lambda _: bar.update(1))
    scores = {name: summarize(r) for name, r in results.items()}
    per_document = {name: grouped(r, lambda q: q.doc or "") for name, r in results.items()}
    if as_json:
        report = {
            name: {**score.as_json(), "by_document": _as_json(per_document[name])}
            for name, score in scores.items()
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_scores(scores)
        for name, documents in per_document.items():
            click.echo(f"\n{name}, per document:")
            print_scores(documents)


def _as_json(scores: dict[str, AnswerScore]) -> dict[str, dict[str, float | int]]:
    return {name: score.as_json() for name, score in scores.items()}


def _pipelines(components: Components, baseline: bool) -> dict[str, Pipeline]:
    """This design, and with ``baseline`` a plain llama-index pipeline with the same LLM."""
    assistant = components.assistant(rate_limited=False, audited=False)
    pipelines: dict[str, Pipeline] = {"pagewise": _AssistantPipeline(assistant)}
    if baseline:
        from assistant.evaluation.baseline import BaselinePipeline

        files = [Path(d.path) for d in components.catalog.documents()]
        pipelines["llama-index baseline"] = BaselinePipeline(
            files,
            components.embedder,
            assistant.llm,
            max_tokens=components.settings.llm_max_tokens,
            policies=assistant.policies,
        )
    return pipelines
