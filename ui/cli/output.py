"""How the commands print their results for a person; ``--json`` output is printed as is."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click

from assistant.answer import Answer
from assistant.evaluation.scoring import AnswerScore
from assistant.retrieval import Passage
from ingest.pipeline import IngestSummary
from pagewise.catalog import DocumentRecord


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def print_ingest_summary(summary: IngestSummary) -> None:
    for report in summary.files:
        if report.status == "failed":
            click.echo(f"  failed     {report.path}: {report.reason}")
        elif report.status != "unchanged":
            click.echo(
                f"  {report.status:<10} {report.path} ({report.pages} pages, "
                f"{report.chunks} chunks)"
            )
        for warning in report.warnings:
            click.echo(f"  warning    {report.path}: {warning}")
    click.echo(
        f"{summary.count('added')} added, {summary.count('updated')} updated, "
        f"{summary.count('unchanged')} unchanged, {summary.count('removed')} removed, "
        f"{summary.count('failed')} failed; {summary.pages} pages, {summary.chunks} chunks "
        f"in {summary.seconds:.1f} s"
    )


def print_passages(passages: Sequence[Passage]) -> None:
    if not passages:
        click.echo("No passages found. Has anything been ingested? Try `pagewise ingest PATH`.")
    for n, p in enumerate(passages, start=1):
        label = f" (printed {p.page_label})" if p.page_label not in ("", str(p.page)) else ""
        section = f" · {p.section}" if p.section else ""
        pages = f"page {p.page}" if p.page_end == p.page else f"pages {p.page}-{p.page_end}"
        click.echo(f"[{n}] {p.title} — {p.doc}, {pages}{label}{section}  score {p.score}")
        click.echo("    " + p.text.replace("\n", "\n    ")[:600])
        click.echo()


def print_documents(records: Sequence[DocumentRecord]) -> None:
    for r in records:
        click.echo(f"{r.collection:<12} {r.pages:>5} p {r.chunks:>6} chunks  {r.title}  ({r.path})")
    click.echo(f"{len(records)} document(s)")


def print_answer(answer: Answer) -> None:
    click.echo(answer.answer)
    if answer.citations:
        click.echo("\nReferences:")
        for citation in answer.citations:
            click.echo(f"  [{citation.n}] {citation.label} — {citation.doc}")
    if answer.removed:
        # Unsupported text is not shown; --json lists it with the reasons.
        click.echo(
            f"\n({len(answer.removed)} sentence(s) left out: the cited pages do not support"
            " them; --json lists them.)"
        )


def print_scores(scores: dict[str, AnswerScore]) -> None:
    rows: list[tuple[str, Callable[[AnswerScore], str]]] = [
        ("questions (answerable)", lambda s: f"{s.questions} ({s.answerable})"),
        ("hit@1", lambda s: f"{s.hit_at_1:.3f}"),
        ("hit@3", lambda s: f"{s.hit_at_3:.3f}"),
        ("MRR", lambda s: f"{s.mrr:.3f}"),
        ("refusal accuracy", lambda s: f"{s.refusal_accuracy:.3f}"),
        ("  answered when covered", lambda s: f"{s.answered_when_covered:.3f}"),
        ("  refused when uncovered", lambda s: f"{s.refused_when_uncovered:.3f}"),
        ("citation precision", lambda s: f"{s.citation_precision:.3f}"),
        ("faithfulness", lambda s: f"{s.faithfulness:.3f}"),
        ("expected fact in answer", lambda s: f"{s.expected_fact:.3f}"),
        ("latency p50 ms", lambda s: f"{s.latency_p50_ms:.0f}"),
        ("latency p95 ms", lambda s: f"{s.latency_p95_ms:.0f}"),
    ]
    names = list(scores)
    width = max(22, *(len(n) + 2 for n in names))
    click.echo(f"{'metric':<26}" + "".join(f"{n:>{width}}" for n in names))
    for label, cell in rows:
        click.echo(f"{label:<26}" + "".join(f"{cell(scores[n]):>{width}}" for n in names))
