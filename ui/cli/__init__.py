"""The ``pagewise`` command."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from tqdm import tqdm

from assistant.answer import Answer, Assistant, User
from assistant.evaluation.scoring import AnswerScore, Pipeline, load_questions, score_answers
from ingest.pipeline import FileReport, IngestSummary
from pagewise.errors import PagewiseError
from pagewise.settings import Settings, load_settings
from ui.components import Components, build, configure_logging

log = logging.getLogger("pagewise.cli")

EXIT_SOME_FILES_FAILED = 1
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Show a user the message of a PagewiseError; keep tracebacks in the log."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PagewiseError as exc:
            log.exception("command failed")
            click.echo(f"Error: {exc}", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            log.warning("interrupted by the user")
            click.echo(
                "\nInterrupted. The index is consistent; run the same command again to finish.",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED)
        except click.exceptions.Exit:
            raise
        except BrokenPipeError:
            # The reader went away (`pagewise search ... | head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:
            log.exception("unexpected error")
            click.echo(
                f"Unexpected error: {exc}. Details are in the log under the data dir "
                "(logs/pagewise.log).",
                err=True,
            )
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.version_option(package_name="pagewise")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Pagewise: answers from your own manuals, with the page they came from."""
    ctx.obj = _settings()


@friendly_errors
def _settings() -> Settings:
    # Until the log file is known, errors must not reach the terminal as tracebacks.
    logging.getLogger().addHandler(logging.NullHandler())
    settings = load_settings()
    configure_logging(settings)
    return settings


def _components(ctx: click.Context) -> Components:
    settings: Settings = ctx.obj
    return build(settings)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--collection", "-c", help="Collection the documents belong to.")
@click.option("--prune", is_flag=True, help="Remove documents whose file is gone.")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.pass_context
@friendly_errors
def ingest(
    ctx: click.Context, paths: tuple[Path, ...], collection: str | None, prune: bool, as_json: bool
) -> None:
    """Ingest manuals (PDF, DOCX, Markdown, text) from files and folders."""
    if not paths and not prune:
        raise click.UsageError("give at least one file or folder (or --prune)")
    components = _components(ctx)
    collection = collection or components.settings.collection
    bar = tqdm(unit="file", desc="Ingesting", disable=None, file=sys.stderr, dynamic_ncols=True)
    pages = chunks = 0

    def on_file(report: FileReport) -> None:
        nonlocal pages, chunks
        pages += report.pages if report.status in ("added", "updated") else 0
        chunks += report.chunks if report.status in ("added", "updated") else 0
        bar.update(1)
        bar.set_postfix(pages=pages, chunks=chunks, refresh=False)
        if report.status == "failed":
            bar.write(f"skipped {report.path}: {report.reason}", file=sys.stderr)

    try:
        summary = components.ingestor().ingest(
            list(paths), collection, prune=prune, on_file=on_file
        )
    finally:
        bar.close()
        components.close()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    if summary.failed:
        sys.exit(EXIT_SOME_FILES_FAILED)


def _print_summary(summary: IngestSummary) -> None:
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


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("-k", "k", type=click.IntRange(1, 50), help="How many passages (default 3).")
@click.option("--collection", "-c", "collections", multiple=True, help="Search only these.")
@click.option("--user", "username", help="Search as this directory user (their collections).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_context
@friendly_errors
def search(
    ctx: click.Context,
    question: tuple[str, ...],
    k: int | None,
    collections: tuple[str, ...],
    username: str | None,
    as_json: bool,
) -> None:
    """Show the passages that best match QUESTION, with document, page and section."""
    user = _user(ctx.obj, username, collections)
    components = _components(ctx)
    try:
        passages = components.retriever().search(
            " ".join(question), k or components.settings.top_k, user.collections
        )
    finally:
        components.close()
    if as_json:
        click.echo(json.dumps([p.as_json() for p in passages], ensure_ascii=False, indent=2))
        return
    if not passages:
        click.echo("No passages found. Has anything been ingested? Try `pagewise ingest PATH`.")
    for n, p in enumerate(passages, start=1):
        label = f" (printed {p.page_label})" if p.page_label not in ("", str(p.page)) else ""
        section = f" · {p.section}" if p.section else ""
        pages = f"page {p.page}" if p.page_end == p.page else f"pages {p.page}-{p.page_end}"
        click.echo(f"[{n}] {p.title} — {p.doc}, {pages}{label}{section}  score {p.score}")
        click.echo("    " + p.text.replace("\n", "\n    ")[:600])
        click.echo()


@main.command()
@click.option("--collection", "-c", help="Only this collection.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@friendly_errors
def documents(ctx: click.Context, collection: str | None, as_json: bool) -> None:
    """List the ingested documents."""
    components = _components(ctx)
    try:
        records = components.catalog.documents(collection)
    finally:
        components.close()
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in records], ensure_ascii=False, indent=2))
        return
    for r in records:
        click.echo(f"{r.collection:<12} {r.pages:>5} p {r.chunks:>6} chunks  {r.title}  ({r.path})")
    click.echo(f"{len(records)} document(s)")


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--collection", "-c", "collections", multiple=True, help="Search only these.")
@click.option("--user", "username", help="Ask as this directory user (their collections).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.pass_context
@friendly_errors
def ask(
    ctx: click.Context,
    question: tuple[str, ...],
    collections: tuple[str, ...],
    username: str | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the manuals, citing document and page for every claim."""
    user = _user(ctx.obj, username, collections)
    components = _components(ctx)
    try:
        assistant = components.assistant(groups=user.groups)
        if not as_json and sys.stderr.isatty():
            click.echo("Thinking…", err=True)
        answer = assistant.ask(" ".join(question), user)
    finally:
        components.close()
    if as_json:
        click.echo(json.dumps(answer.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(answer.answer)
    if answer.citations:
        click.echo("\nReferences:")
        for citation in answer.citations:
            click.echo(f"  [{citation.n}] {citation.label} — {citation.doc}")
    if answer.flagged:
        click.echo("\nCheck these sentences: their numbers or names are not in the cited page:")
        for sentence in answer.flagged:
            click.echo(f"  - {sentence}")


def _user(settings: Settings, username: str | None, collections: tuple[str, ...]) -> User:
    """Who the command acts for: the operator (every collection, or those named) or, with
    --user, a directory user with exactly the collections their groups allow."""
    if not username:
        return User("cli", collections=collections or None)
    from pagewise.access import load_access
    from pagewise.auth import LdapAuthenticator

    identity = LdapAuthenticator.from_settings(settings).lookup(username)
    allowed = load_access(settings.policies_dir).collections_for(identity.groups, identity.is_admin)
    if allowed == ():
        raise PagewiseError(
            f"user {username} is in no group that has manuals (groups: "
            f"{', '.join(identity.groups) or 'none'}); see policies/access.toml"
        )
    if collections:
        # Naming collections can narrow what the user sees, never widen it.
        allowed = tuple(c for c in collections if allowed is None or c in allowed)
    return User(identity.username, identity.groups, allowed)


class _AssistantPipeline:
    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def ask(self, question: str) -> Answer:
        return self.assistant.ask(question, User("eval"))


@main.command(name="eval")
@click.argument("questions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--baseline", is_flag=True, help="Also run a plain llama-index pipeline on the same documents."
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.pass_context
@friendly_errors
def evaluate(ctx: click.Context, questions_file: Path, baseline: bool, as_json: bool) -> None:
    """Score answers on QUESTIONS_FILE (JSON lines: q, pages, doc; no pages = must refuse)."""
    questions = load_questions(questions_file)
    components = _components(ctx)
    try:
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
            )
        scores = {}
        for name, pipeline in pipelines.items():
            with tqdm(total=len(questions), desc=name, disable=None, file=sys.stderr) as bar:
                scores[name] = score_answers(pipeline, questions, lambda _: bar.update(1))
    finally:
        components.close()
    if as_json:
        click.echo(json.dumps({k: v.as_json() for k, v in scores.items()}, indent=2))
        return
    _print_scores(scores)


def _print_scores(scores: dict[str, AnswerScore]) -> None:
    rows: list[tuple[str, Callable[[AnswerScore], str]]] = [
        ("questions (answerable)", lambda s: f"{s.questions} ({s.answerable})"),
        ("hit@1", lambda s: f"{s.hit_at_1:.3f}"),
        ("hit@3", lambda s: f"{s.hit_at_3:.3f}"),
        ("MRR", lambda s: f"{s.mrr:.3f}"),
        ("refusal accuracy", lambda s: f"{s.refusal_accuracy:.3f}"),
        ("  answered when covered", lambda s: f"{s.answered_when_covered:.3f}"),
        ("  refused when uncovered", lambda s: f"{s.refused_when_uncovered:.3f}"),
        ("citation precision", lambda s: f"{s.citation_precision:.3f}"),
        ("latency p50 ms", lambda s: f"{s.latency_p50_ms:.0f}"),
        ("latency p95 ms", lambda s: f"{s.latency_p95_ms:.0f}"),
    ]
    names = list(scores)
    click.echo(f"{'metric':<26}" + "".join(f"{n:>22}" for n in names))
    for label, cell in rows:
        click.echo(f"{label:<26}" + "".join(f"{cell(scores[n]):>22}" for n in names))


@main.command()
@click.option("--host", help="Address to listen on (default: ui_host, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: ui_port, 8501).")
@click.pass_context
@friendly_errors
def ui(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Start the web portal (Streamlit)."""
    settings: Settings = ctx.obj
    app = Path(__file__).resolve().parent.parent / "portal" / "app.py"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.address",
        host or settings.ui_host,
        "--server.port",
        str(port or settings.ui_port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    click.echo(f"Pagewise portal on http://{host or settings.ui_host}:{port or settings.ui_port}")
    os.execv(sys.executable, command)


@main.group()
def audit() -> None:
    """Check the audit log's hash chain and export its records."""


@audit.command("verify")
@click.pass_context
@friendly_errors
def audit_verify(ctx: click.Context) -> None:
    """Check every record of the audit log; exit 1 and name the first break if one is found."""
    from pagewise.audit.verify import verify

    settings: Settings = ctx.obj
    report = verify(settings.data_dir / "audit")
    if not report.ok:
        click.echo(report.message, err=True)
        sys.exit(1)
    click.echo(report.message)


@audit.command("export")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (local time).")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day, included.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV for spreadsheets instead of JSON lines.")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File to write (default:"
    " standard output). A CSV file starts with a BOM so Excel reads Chinese.",
)
@click.pass_context
@friendly_errors
def audit_export(
    ctx: click.Context, start: str | None, end: str | None, as_csv: bool, output: Path | None
) -> None:
    """Export audit records, oldest first, as JSON lines or CSV."""
    from pagewise.audit.export import day_range, export, write_export

    settings: Settings = ctx.obj
    records = export(settings.data_dir / "audit", *day_range(start, end))
    if output is None:
        write_export(records, sys.stdout, as_csv)
        return
    # Write beside the target and rename: a failed export never leaves half a file behind.
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8-sig" if as_csv else "utf-8", newline="") as out:
        count = write_export(records, out, as_csv)
    partial.replace(output)
    click.echo(f"{count} records written to {output}", err=True)


@main.command(name="serve-llm")
@click.option("--host", help="Address vLLM listens on (default: vllm_host, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: vllm_port, 8000).")
@click.option("--print-command", is_flag=True, help="Show the vllm command line; start nothing.")
@click.pass_context
@friendly_errors
def serve_llm(ctx: click.Context, host: str | None, port: int | None, print_command: bool) -> None:
    """Run the local vLLM server that the assistant answers through (llm_backend = "vllm").

    Loopback only unless configured, an API key, prefix caching of the shared system prompt;
    waits for /health and a warm-up answer before it says ready; Ctrl-C stops vLLM.
    """
    import shlex

    from ui.serving import DEFAULT_SERVED_MODEL, serve, vllm_command, vllm_executable

    settings: Settings = ctx.obj
    overrides = {"vllm_host": host, "vllm_port": port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    if print_command:
        # The packaged model is converted into this folder on the first start.
        packaged = settings.data_dir / "models" / f"{DEFAULT_SERVED_MODEL}-hf"
        model = settings.vllm_model or str(packaged)
        executable = vllm_executable(settings, strict=False)
        click.echo(shlex.join(vllm_command(settings, model, executable)))
        return
    serve(settings, echo=click.echo)
