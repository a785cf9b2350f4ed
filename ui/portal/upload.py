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
from ui.portal.services import Services


def show_upload(services: Services, admin: str) -> None:
    settings = services.settings
    collection = st.text_input("Collection", value=settings.collection)
    files = st.file_uploader(
        f"Manuals (PDF, DOCX, PPTX, XLSX, Markdown, text; up to {settings.upload_max_mb:g} MB"
        " each)",
        type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES),
        accept_multiple_files=True,
    )
    if not st.button("Ingest", disabled=not files or not collection):
        return
    try:
        check_collection_name(collection)
    except ConfigError as exc:
        st.error(as_text(str(exc)))
        return
    manuals = settings.data_dir / "manuals"
    folder = manuals / collection
    if folder.resolve().parent != manuals.resolve():
        st.error(as_text(f"{collection!r} would not be a folder in {manuals}."))
        return
    max_bytes = int(settings.upload_max_mb * 1_000_000)
    limits = FileLimits.from_settings(settings)
    paths: list[Path] = []
    refused: list[str] = []
    for upload in files or []:
        data = upload.getvalue()
        problem = upload_problem(upload.name, data, max_bytes) or _over_limit(
            upload.name, data, limits
        )
        if problem is None and any(p.name == upload.name for p in paths):
            problem = "a file of the same name is in this upload already"
        if problem:
            refused.append(f"{upload.name}: refused, {problem}")
            continue
        paths.append(_store(folder, upload.name, data))
    reports = _ingest(services, paths, collection) if paths else []
    services.audit.record(
        "ingest",
        admin,
        collection=collection,
        files=[f"{Path(r.path).name}: {r.status}" for r in reports] + refused,
    )
    _report(reports, refused)


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


def _ingest(services: Services, paths: list[Path], collection: str) -> list[FileReport]:
    bar = st.progress(0.0, text="Ingesting…")
    reports: list[FileReport] = []

    def on_file(report: FileReport) -> None:
        reports.append(report)
        done = f"{len(reports)}/{len(paths)}: {Path(report.path).name}"
        bar.progress(len(reports) / len(paths), text=as_text(done))

    def on_page(path: str, done: int, total: int) -> None:
        # A scan is read seconds a page: the bar moves within the file.
        share = (len(reports) + done / total) / len(paths)
        text = f"{len(reports) + 1}/{len(paths)}: {Path(path).name}, OCR page {done}/{total}"
        bar.progress(min(share, 1.0), text=as_text(text))

    ingestor = services.components.ingestor()
    summary = ingestor.ingest(paths, collection, on_file=on_file, on_page=on_page)
    bar.progress(1.0, text=f"Done in {summary.seconds:.1f} s")
    return reports


def _report(reports: list[FileReport], refused: list[str]) -> None:
    # One line a file: a short report that people read and copy from, not a grid to sort.
    lines = []
    for r in reports:
        detail = r.reason or "; ".join(r.warnings)
        counts = f"{r.pages} pages, {r.chunks} chunks" if r.status != "failed" else ""
        lines.append(" · ".join(p for p in (Path(r.path).name, r.status, counts, detail) if p))
    lines += refused
    # File names, titles and reasons come from the files: shown as text, not Markdown.
    report = "\n\n".join(f"• {as_text(line)}" for line in lines)
    if refused or any(r.status == "failed" for r in reports):
        st.warning(f"Some files were skipped:\n\n{report}")
    else:
        st.success(f"All files ingested:\n\n{report}")
