"""The admin page: upload manuals into a collection, list and delete documents, audit log."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import streamlit as st

from ingest.pipeline import FileReport
from ingest.readers import SUPPORTED_SUFFIXES
from ui.portal.services import Services


def show_admin(services: Services, admin: str) -> None:
    upload, documents, audit = st.tabs(["Upload manuals", "Documents", "Audit log"])
    with upload:
        _upload(services, admin)
    with documents:
        _documents(services, admin)
    with audit:
        _audit(services)


def _upload(services: Services, admin: str) -> None:
    collection = st.text_input("Collection", value=services.settings.collection)
    files = st.file_uploader(
        "Manuals (PDF, DOCX, PPTX, XLSX, Markdown, text)",
        type=sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES),
        accept_multiple_files=True,
    )
    if not st.button("Ingest", disabled=not files or not collection):
        return
    if not re.fullmatch(r"[\w.-]{1,64}", collection):
        st.error("A collection name uses letters, digits, '.', '_' or '-' (up to 64).")
        return
    folder = services.settings.data_dir / "manuals" / collection
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for upload in files or []:
        path = folder / Path(upload.name).name  # never a path the browser chose
        path.write_bytes(upload.getvalue())
        paths.append(path)
    bar = st.progress(0.0, text="Ingesting…")
    reports: list[FileReport] = []

    def on_file(report: FileReport) -> None:
        reports.append(report)
        bar.progress(len(reports) / len(paths), text=f"{len(reports)}/{len(paths)}: {report.path}")

    def on_page(path: str, done: int, total: int) -> None:
        # A scan is read seconds a page: the bar moves within the file.
        share = (len(reports) + done / total) / len(paths)
        text = f"{len(reports) + 1}/{len(paths)}: {Path(path).name}, OCR page {done}/{total}"
        bar.progress(min(share, 1.0), text=text)

    ingestor = services.components.ingestor()
    summary = ingestor.ingest(paths, collection, on_file=on_file, on_page=on_page)
    bar.progress(1.0, text=f"Done in {summary.seconds:.1f} s")
    services.audit.record(
        "ingest",
        admin,
        collection=collection,
        files=[f"{Path(r.path).name}: {r.status}" for r in reports],
    )
    # One line a file: a short report that people read and copy from, not a grid to sort.
    lines = []
    for r in reports:
        detail = r.reason or "; ".join(r.warnings)
        counts = f"{r.pages} pages, {r.chunks} chunks" if r.status != "failed" else ""
        lines.append(" · ".join(p for p in (Path(r.path).name, r.status, counts, detail) if p))
    report = "\n".join(f"- {html.escape(line)}" for line in lines)
    if summary.failed:
        st.warning(f"Some files were skipped:\n\n{report}")
    else:
        st.success(f"All files ingested:\n\n{report}")


def _documents(services: Services, admin: str) -> None:
    records = services.components.catalog.documents()
    if not records:
        st.info("No documents yet: upload manuals in the first tab.")
        return
    st.dataframe(
        [
            {
                "collection": r.collection,
                "title": r.title,
                "file": Path(r.path).name,
                "pages": r.pages,
                "chunks": r.chunks,
                "ingested": dt.datetime.fromtimestamp(r.ingested_at).strftime("%Y-%m-%d %H:%M"),
            }
            for r in records
        ],
        hide_index=True,
    )
    names = {f"{r.collection} / {Path(r.path).name}": r for r in records}
    choice = st.selectbox("Delete a document", ["—", *names])
    if choice != "—" and st.button("Delete", type="primary"):
        record = names[choice]
        services.components.ingestor().delete(record.doc_id)
        services.audit.record("delete", admin, doc=record.path, collection=record.collection)
        st.success(f"Deleted {choice}.")
        st.rerun()


def _audit(services: Services) -> None:
    rows = services.audit.recent(200)
    st.dataframe(
        [
            {
                "time": dt.datetime.fromtimestamp(r["time"]).strftime("%Y-%m-%d %H:%M:%S"),
                "user": r.get("user"),
                "event": r.get("event"),
                "question": r.get("question", ""),
                "answer": r.get("answer", ""),
                "citations": ", ".join(f"{c['doc']} p.{c['page']}" for c in r.get("citations", [])),
                "latency ms": r.get("latency_ms", ""),
                "detail": r.get("error") or r.get("helpful", ""),
            }
            for r in rows
        ],
        hide_index=True,
    )
