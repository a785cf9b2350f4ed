"""The admin upload: checked names, sizes and contents before a byte is written.

The collection name becomes a folder under ``DATA_DIR/manuals`` and each file name a file in
it, so both are checked (``..`` would write into the data dir's root). Each file must be no
larger than ``upload_max_mb`` and be what its extension says, by its bytes
(ingest/filetype.py); refused files are reported and never stored. Accepted files are
written under a temporary name and renamed, so a batch never picks up half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ingest.filetype import upload_problem
from ingest.limits import FileLimits, check_upload
from ingest.pipeline import FileReport
from ingest.readers import SUPPORTED_SUFFIXES
from pagewise.catalog import check_collection_name
from pagewise.errors import ConfigError, DocumentError
from ui.portal.display import as_text
from ui.portal.i18n import Messages
from ui.portal.services import Services


def show_upload(services: Services, admin: str, msg: Messages) -> None:
    settings = services.settings
    # Keyed: the collection and the chosen files stay when the language changes.
    collection = st.text_input(msg("upload.collection"), value=settings.collection, key="upload_to")
    files = st.file_uploader(
        msg("upload.files", megabytes=f"{settings.upload_max_mb:g}"),
        type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES),
        accept_multiple_files=True,
        key="upload_files",
    )
    if not st.button(msg("upload.ingest"), disabled=not files or not collection):
        return
    try:
        check_collection_name(collection)
    except ConfigError as exc:
        st.error(as_text(str(exc)))
        return
    manuals = settings.data_dir / "manuals"
    folder = manuals / collection
    if folder.resolve().parent != manuals.resolve():
        st.error(as_text(msg("upload.not_a_folder", collection=repr(collection), folder=manuals)))
        return
    max_bytes = int(settings.upload_max_mb * 1_000_000)
    limits = FileLimits.from_settings(settings)
    paths: list[Path] = []
    refused: list[tuple[str, str]] = []  # file name, reason (ingestion's words, English)
    for upload in files or []:
        data = upload.getvalue()
        problem = upload_problem(upload.name, data, max_bytes) or _over_limit(
            upload.name, data, limits
        )
        if problem is None and any(p.name == upload.name for p in paths):
            problem = _DUPLICATE
        if problem:
            refused.append((upload.name, problem))
            continue
        paths.append(_store(folder, upload.name, data))
    reports = _ingest(services, paths, collection, msg) if paths else []
    services.audit.record(
        "ingest",
        admin,
        collection=collection,
        # The audit log keeps one language, whatever the admin's screen shows.
        files=[f"{Path(r.path).name}: {r.status}" for r in reports]
        + [f"{name}: refused, {reason}" for name, reason in refused],
    )
    _report(reports, refused, msg)


_DUPLICATE = "a file of the same name is in this upload already"


def _over_limit(name: str, data: bytes, limits: FileLimits) -> str | None:
    """Ingestion's own per-file limits (expanded size, zip ratio), checked before writing."""
    try:
        check_upload(name, data, limits)
    except DocumentError as exc:
        return str(exc)
    return None


def _store(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    partial = folder / f".{name}.partial"
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def _ingest(
    services: Services, paths: list[Path], collection: str, msg: Messages
) -> list[FileReport]:
    bar = st.progress(0.0, text=msg("upload.progress"))
    reports: list[FileReport] = []

    def on_file(report: FileReport) -> None:
        reports.append(report)
        done = f"{len(reports)}/{len(paths)}: {Path(report.path).name}"
        bar.progress(len(reports) / len(paths), text=as_text(done))

    def on_page(path: str, done: int, total: int) -> None:
        # A scan is read seconds a page: the bar moves within the file.
        share = (len(reports) + done / total) / len(paths)
        text = msg(
            "upload.ocr_page",
            file=f"{len(reports) + 1}/{len(paths)}: {Path(path).name}",
            done=done,
            total=total,
        )
        bar.progress(min(share, 1.0), text=as_text(text))

    ingestor = services.components.ingestor()
    summary = ingestor.ingest(paths, collection, on_file=on_file, on_page=on_page)
    bar.progress(1.0, text=msg("upload.done", seconds=f"{summary.seconds:.1f}"))
    return reports


def _report(reports: list[FileReport], refused: list[tuple[str, str]], msg: Messages) -> None:
    # One line a file: a short report that people read and copy from, not a grid to sort.
    # The reasons are ingestion's (English): they name what to fix in the file.
    lines = []
    for r in reports:
        detail = r.reason or "; ".join(r.warnings)
        status = msg(_STATUSES[r.status]) if r.status in _STATUSES else r.status
        counts = msg("upload.counts", pages=r.pages, chunks=r.chunks)
        counts = counts if r.status != "failed" else ""
        lines.append(" · ".join(p for p in (Path(r.path).name, status, counts, detail) if p))
    lines += [
        msg("upload.refused", name=name, reason=_reason(reason, msg)) for name, reason in refused
    ]
    # File names, titles and reasons come from the files: shown as text, not Markdown.
    report = "\n\n".join(f"• {as_text(line)}" for line in lines)
    if refused or any(r.status == "failed" for r in reports):
        st.warning(f"{msg('upload.skipped')}\n\n{report}")
    else:
        st.success(f"{msg('upload.all_ingested')}\n\n{report}")


_STATUSES = {
    "added": "upload.status.added",
    "updated": "upload.status.updated",
    "unchanged": "upload.status.unchanged",
    "failed": "upload.status.failed",
    "removed": "upload.status.removed",
}


def _reason(reason: str, msg: Messages) -> str:
    return msg("upload.duplicate") if reason == _DUPLICATE else reason
