"""The chat page: questions, streamed answers, page references, the cited page, feedback."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from assistant.answer import Answer, User
from assistant.prompt import Turn
from pagewise.errors import PagewiseError
from pagewise.ratelimit import RateLimitedError
from ui.portal.display import as_text, one_line, shown
from ui.portal.i18n import Messages
from ui.portal.pages import render_page
from ui.portal.references import reference
from ui.portal.services import Services

log = logging.getLogger(__name__)


@dataclass
class Exchange:
    question: str
    answer: Answer
    record_id: str
    feedback: bool | None = None
    sources: list[int] = field(default_factory=list)


def show_chat(services: Services, user: User, msg: Messages) -> None:
    history: list[Exchange] = st.session_state.setdefault("history", [])
    for index, exchange in enumerate(history):
        with st.chat_message("user"):
            st.text(exchange.question)
            _show_rewritten(services, exchange.answer, msg)
        with st.chat_message("assistant"):
            _show_answer(services, user, exchange, index, msg)

    question = st.chat_input(msg("chat.input"))
    if question:
        with st.chat_message("user"):
            st.text(question)
        with st.chat_message("assistant"):
            new = _answer(services, user, question, history, msg)
        if new:
            history.append(new)
            st.rerun()


def _show_rewritten(services: Services, answer: Answer, msg: Messages) -> None:
    """A follow-up's standalone question, in small print under it."""
    if answer.rewritten:
        shown = msg("chat.rewritten", question=answer.rewritten)
        st.caption(one_line(f"→ {shown}", services.sensitive))


def _answer(
    services: Services, user: User, question: str, history: list[Exchange], msg: Messages
) -> Exchange | None:
    turns = [Turn(e.question, e.answer.answer) for e in history if not e.answer.refused]
    final: list[Answer] = []
    status, body = st.empty(), st.empty()
    # The assistant writes the audit record of every question, whatever its outcome; the
    # portal only shows the outcome. Nothing is shown before it is checked (so nothing is
    # ever withdrawn); until then the stage says what is happening.
    try:
        with st.spinner(msg("chat.searching")):
            for event in services.assistant_for(user).stream(question, user, turns):
                if event.kind == "progress":
                    status.caption(msg(_STAGES[event.text]) if event.text in _STAGES else "")
                elif event.kind == "token":
                    status.empty()
                    body.markdown(shown(event.text, services.sensitive))
                elif event.answer is not None:
                    final.append(event.answer)
    except RateLimitedError as exc:
        st.warning(msg("chat.rate_limited", seconds=max(1, math.ceil(exc.retry_after))))
        return None
    except PagewiseError as exc:
        log.exception("answering failed")
        st.error(as_text(msg("chat.failed", error=exc)))
        return None
    answer = final[0]
    if answer.audit_id is None:
        raise AssertionError("the portal's assistant audits every question")
    return Exchange(question, answer, answer.audit_id)


_STAGES = {"writing": "chat.writing", "checking": "chat.checking"}  # progress: catalog key


def _show_answer(
    services: Services, user: User, exchange: Exchange, index: int, msg: Messages
) -> None:
    answer = exchange.answer
    # The assistant redacted the answer, its references and passages; redacting again here
    # costs little and covers anything a later change forgets.
    sensitive = services.sensitive
    if answer.refused:
        st.info(shown(answer.answer, sensitive))
    else:
        st.markdown(shown(answer.answer, sensitive))
    if answer.removed:
        # Only the count: the removed text is unsupported by definition, so it is not shown.
        st.caption(msg("chat.removed", count=len(answer.removed)))
    for citation in answer.citations:
        # Title, page and section on one line; the whole reference and file on hovering.
        short = f"[{citation.n}] {reference(citation, msg, sensitive, short=True)}"
        full = f"{reference(citation, msg, sensitive)} — {citation.doc}"
        if st.button(
            one_line(short, sensitive),
            key=f"cite-{index}-{citation.n}",
            help=one_line(full, sensitive),
        ):
            st.session_state["source"] = (index, citation.n)
    source = st.session_state.get("source")
    if source and source[0] == index:
        _show_source(services, exchange, source[1], msg)
    _feedback(services, user, exchange, index, msg)


def _show_source(services: Services, exchange: Exchange, n: int, msg: Messages) -> None:
    citation = next(c for c in exchange.answer.citations if c.n == n)
    passage = next(p for p in exchange.answer.passages if p.chunk_id == citation.chunk_id)
    sensitive = services.sensitive
    with st.container(border=True):
        full = reference(citation, msg, sensitive)
        st.caption(
            one_line(msg("reference.source", n=n, reference=full, doc=citation.doc), sensitive)
        )
        st.text(sensitive.redact(passage.text))  # st.text renders no Markdown
        path = Path(passage.path)
        if path.suffix.lower() == ".pdf" and path.is_file():
            for page in range(passage.page, passage.page_end + 1):
                # Listed words on the page's picture are blacked out like those in its text;
                # a scanned page is searched in the boxes OCR read it in.
                scanned = services.components.page_boxes.read(passage.doc_id, page)
                picture = render_page(path, page, passage.text, sensitive.find, scanned)
                st.image(picture, caption=msg("reference.page", page=page))
        if path.is_file():
            st.download_button(
                one_line(msg("reference.download", doc=citation.doc), sensitive),
                path.read_bytes(),
                file_name=path.name,
                key=f"dl-{exchange.record_id}-{n}",
            )


def _feedback(
    services: Services, user: User, exchange: Exchange, index: int, msg: Messages
) -> None:
    if exchange.feedback is not None:
        st.caption(msg("chat.thanks"))
        return
    left, right, _ = st.columns([1, 1, 4])
    choices = ((left, True, msg("chat.helpful")), (right, False, msg("chat.not_helpful")))
    for column, helpful, label in choices:
        if column.button(label, key=f"fb-{index}-{helpful}"):
            exchange.feedback = helpful
            services.audit.record(
                "feedback", user.name, ref=exchange.record_id, helpful=helpful, at=time.time()
            )
            st.rerun()
