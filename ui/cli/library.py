"""Commands on the index: ``ingest``, ``documents`` and ``search``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from ingest.pipeline import FileReport
from pagewise.catalog import check_collection_name
from pagewise.settings import Settings
from ui.cli.errors import EXIT_SOME_FILES_FAILED, friendly_errors
from ui.cli.identity import acting_user
from ui.cli.output import print_documents, print_ingest_summary, print_json, print_passages
from ui.components import build


class IngestProgress:
    """The one progress bar of ``ingest``: it counts files, with the pages and chunks so far;
    while a scan is read by OCR (seconds a page) it names the file and the page, so that a
    long scan is seen to move."""

    def __init__(self, bar: tqdm[Any]) -> None:
        self.bar = bar
        self.pages = self.chunks = 0

    def file_done(self, report: FileReport) -> None:
        if report.status in ("added", "updated"):
            self.pages += report.pages
            self.chunks += report.chunks
        self.bar.set_postfix(pages=self.pages, chunks=self.chunks, refresh=False)
        self.bar.update(1)
        if report.status == "failed":
            self.bar.write(f"skipped {report.path}: {report.reason}", file=sys.stderr)

    def page_read(self, path: str, done: int, total: int) -> None:
        ocr = f"{Path(path).name} page {done}/{total}"
        self.bar.set_postfix(pages=self.pages, chunks=self.chunks, ocr=ocr)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--collection", "-c", help="Collection the documents belong to.")
@click.option("--prune", is_flag=True, help="Remove documents whose file is gone.")
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    help="Files read and embedded at once, each in a process (default: ingest_workers, else"
    " one per core).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary.")
@click.pass_obj
@friendly_errors
def ingest(
    settings: Settings,
    paths: tuple[Path, ...],
    collection: str | None,
    prune: bool,
    workers: int | None,
    as_json: bool,
) -> None:
    """Ingest manuals (PDF, DOCX, PPTX, XLSX, Markdown, text) from files and folders."""
    if not paths and not prune:
        raise click.UsageError("give at least one file or folder (or --prune)")
    collection = check_collection_name(collection or settings.collection)
    bar = tqdm(unit="file", desc="Ingesting", disable=None, file=sys.stderr, dynamic_ncols=True)
    progress = IngestProgress(bar)
    with bar, build(settings) as components:
        summary = components.ingestor(workers).ingest(
            list(paths),
            collection,
            prune=prune,
            on_file=progress.file_done,
            on_page=progress.page_read,
        )
    if as_json:
        print_json(summary.as_dict())
    else:
        print_ingest_summary(summary)
    if summary.failed:
        sys.exit(EXIT_SOME_FILES_FAILED)


@click.command()
@click.option("--collection", "-c", help="Only this collection.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@friendly_errors
def documents(settings: Settings, collection: str | None, as_json: bool) -> None:
    """List the ingested documents."""
    with build(settings) as components:
        records = components.catalog.documents(collection)
    if as_json:
        print_json([r.__dict__ for r in records])
    else:
        print_documents(records)


@click.command()
@click.argument("question", nargs=-1, required=True)
@click.option("-k", "k", type=click.IntRange(1, 50), help="How many passages (default 3).")
@click.option("--collection", "-c", "collections", multiple=True, help="Search only these.")
@click.option("--user", "username", help="Search as this directory user (their collections).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
@friendly_errors
def search(
    settings: Settings,
    question: tuple[str, ...],
    k: int | None,
    collections: tuple[str, ...],
    username: str | None,
    as_json: bool,
) -> None:
    """Show the passages that best match QUESTION, with document, page and section."""
    user = acting_user(settings, username, collections)
    with build(settings) as components:
        passages = components.retriever().search(
            " ".join(question), k or settings.top_k, user.collections
        )
    if as_json:
        print_json([p.as_json() for p in passages])
    else:
        print_passages(passages)
