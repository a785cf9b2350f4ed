"""The admin page: upload manuals into a collection, list and delete documents, audit log."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import streamlit as st

from ui.portal.display import as_text
from ui.portal.services import Services
from ui.portal.upload import show_upload


def show_admin(services: Services, admin: str) -> None:
    upload, documents, logins, audit = st.tabs(
        ["Upload manuals", "Documents", "Failed logins", "Audit log"]
    )
    with upload:
        show_upload(services, admin)
    with documents:
        _documents(services, admin)
    with logins:
        _logins(services, admin)
    with audit:
        _audit(services)


def _documents(services: Services, admin: str) -> None:
    records = services.components.catalog.documents()
    if not records:
        st.info("No documents yet: upload manuals in the first tab.")
        return
    st.dataframe(
        [
            {
                "collection": r.collection,
                "title": services.sensitive.redact(r.title),  # a table shows text as text
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
        st.success(as_text(f"Deleted {choice}."))
        st.rerun()


def _logins(services: Services, admin: str) -> None:
    """User names and addresses with failed logins; a locked one can be cleared."""
    locks = services.logins.locks()
    if not locks:
        st.info("No failed logins in the last minutes.")
        return
    st.dataframe(
        [
            {
                # The directory's name, or what was typed, masked (it may be a password).
                "name or address": lock.label,
                "failures": lock.failures,
                "last failure": dt.datetime.fromtimestamp(lock.last_failure).strftime("%H:%M:%S"),
                "locked for": f"{math.ceil(lock.retry_after)} s" if lock.retry_after else "",
            }
            for lock in locks
        ],
        hide_index=True,
    )
    labels = {lock.label: lock for lock in locks}
    choice = st.selectbox("Clear the failed logins of", ["—", *labels])
    if choice != "—" and st.button("Clear"):
        services.logins.clear(labels[choice].key, admin)  # audited there
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
