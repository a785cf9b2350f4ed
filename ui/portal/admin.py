"""The admin page: upload manuals into a collection, list and delete documents, audit log."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import streamlit as st

from ui.portal.display import as_text
from ui.portal.i18n import Messages
from ui.portal.services import Services
from ui.portal.upload import show_upload


def show_admin(services: Services, admin: str, msg: Messages) -> None:
    tabs = ("admin.upload_tab", "admin.documents_tab", "admin.logins_tab", "admin.audit_tab")
    upload, documents, logins, audit = st.tabs([msg(t) for t in tabs])
    with upload:
        show_upload(services, admin, msg)
    with documents:
        _documents(services, admin, msg)
    with logins:
        _logins(services, admin, msg)
    with audit:
        _audit(services, msg)


def _table(rows: list[dict[str, object]], msg: Messages) -> None:
    """Rows keyed by ``column.*`` names, headed in the session's language."""
    # The keys stay the data's names (what tests and a copied table refer to); only the
    # headers shown change with the language.
    names = rows[0].keys() if rows else ()
    headers = {name: st.column_config.Column(msg(_HEADERS[name])) for name in names}
    st.dataframe(rows, hide_index=True, column_config=headers)


_HEADERS = {
    "collection": "column.collection",
    "title": "column.title",
    "file": "column.file",
    "pages": "column.pages",
    "chunks": "column.chunks",
    "ingested": "column.ingested",
    "name or address": "column.name_or_address",
    "failures": "column.failures",
    "last failure": "column.last_failure",
    "locked for": "column.locked_for",
    "time": "column.time",
    "user": "column.user",
    "event": "column.event",
    "question": "column.question",
    "answer": "column.answer",
    "citations": "column.citations",
    "latency ms": "column.latency",
    "detail": "column.detail",
}


def _documents(services: Services, admin: str, msg: Messages) -> None:
    records = services.components.catalog.documents()
    if not records:
        st.info(msg("admin.no_documents"))
        return
    _table(
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
        msg,
    )
    names = {f"{r.collection} / {Path(r.path).name}": r for r in records}
    choice = st.selectbox(msg("admin.delete_which"), ["—", *names], key="delete_which")
    if choice != "—" and st.button(msg("admin.delete"), type="primary"):
        record = names[choice]
        services.components.ingestor().delete(record.doc_id)
        services.audit.record("delete", admin, doc=record.path, collection=record.collection)
        st.success(as_text(msg("admin.deleted", name=choice)))
        st.rerun()


def _logins(services: Services, admin: str, msg: Messages) -> None:
    """User names and addresses with failed logins; a locked one can be cleared."""
    locks = services.logins.locks()
    if not locks:
        st.info(msg("admin.no_logins"))
        return
    _table(
        [
            {
                # The directory's name, or what was typed, masked (it may be a password).
                "name or address": lock.label,
                "failures": lock.failures,
                "last failure": dt.datetime.fromtimestamp(lock.last_failure).strftime("%H:%M:%S"),
                "locked for": (
                    msg("admin.seconds", seconds=math.ceil(lock.retry_after))
                    if lock.retry_after
                    else ""
                ),
            }
            for lock in locks
        ],
        msg,
    )
    labels = {lock.label: lock for lock in locks}
    choice = st.selectbox(msg("admin.clear_which"), ["—", *labels], key="clear_which")
    if choice != "—" and st.button(msg("admin.clear")):
        services.logins.clear(labels[choice].key, admin)  # audited there
        st.rerun()


def _audit(services: Services, msg: Messages) -> None:
    rows = services.audit.recent(200)
    _table(
        [
            {
                "time": dt.datetime.fromtimestamp(r["time"]).strftime("%Y-%m-%d %H:%M:%S"),
                "user": r.get("user"),
                "event": r.get("event"),
                "question": r.get("question", ""),
                "answer": r.get("answer", ""),
                "citations": ", ".join(
                    msg("admin.citation", doc=c["doc"], page=c["page"])
                    for c in r.get("citations", [])
                ),
                "latency ms": r.get("latency_ms", ""),
                "detail": r.get("error") or r.get("helpful", ""),
            }
            for r in rows
        ],
        msg,
    )
