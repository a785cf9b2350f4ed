"""The chat page: questions, streamed answers, page references, the cited page, feedback."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from assistant.answer import Answer, User
from assistant.prompt import Turn
from pagewise.errors import PagewiseError
from pagewise.ratelimit import RateLimitedError
from ui.portal.display import as_text, one_line, shown
from ui.portal.pages import render_page
from ui.portal.services import Services

log = logging.getLogger(__name__)


@dataclass
class Exchange:
    question: str
    answer: Answer
    record_id: str
    feedback: bool | None = None
    sources: list[int] = field(default_factory=list)


def show_chat(services: Services, user: User) -> None:
    history: list[Exchange] = st.session_state.setdefault("history", [])
    for index, exchange in enumerate(history):
        with st.chat_message("user"):
            st.text(exchange.question)
            _show_rewritten(services, exchange.answer)
        with st.chat_message("assistant"):
            _show_answer(services, user, exchange, index)

    question = st.chat_input("Ask about the manuals…")
    if question:
        with st.chat_message("user"):
            st.text(question)
        with st.chat_message("assistant"):
            new = _answer(services, user, question, history)
        if new:
            history.append(new)
            st.rerun()


# The follow-up's standalone question, in small print under it (issue 14); its label is the one
# text of this caption for the interface language's catalog.
REWRITTEN_LABEL = {"zh": "理解为", "en": "Searched as"}


def _show_rewritten(services: Services, answer: Answer) -> None:
    if answer.rewritten:
        label = REWRITTEN_LABEL["en"]
        st.caption(one_line(f"→ {label}: {answer.rewritten}", services.sensitive))


def _answer(
    services: Services, user: User, question: str, history: list[Exchange]
) -> Exchange | None:
    turns = [Turn(e.question, e.answer.answer) for e in history if not e.answer.refused]
    final: list[Answer] = []
    status, body = st.empty(), st.empty()
    # The assistant writes the audit record of every question, whatever its outcome; the
    # portal only shows the outcome. Nothing is shown before it is checked (so nothing is
    # ever withdrawn); until then the stage says what is happening.
    try:
        with st.spinner("Searching the manuals…"):
            for event in services.assistant_for(user).stream(question, user, turns):
                if event.kind == "progress":
                    status.caption(_STAGES.get(event.text, ""))
                elif event.kind == "token":
                    status.empty()
                    body.markdown(shown(event.text, services.sensitive))
                elif event.answer is not None:
                    final.append(event.answer)
    except RateLimitedError as exc:
        st.warning(str(exc))
        return None
    except PagewiseError as exc:
        log.exception("answering failed")
        st.error(as_text(f"Sorry, no answer right now: {exc}"))
        return None
    answer = final[0]
    if answer.audit_id is None:
        raise AssertionError("the portal's assistant audits every question")
    return Exchange(question, answer, answer.audit_id)


_STAGES = {
    "writing": "Writing the answer from the pages found…",
    "checking": "Checking every sentence against its page…",
}


def _show_answer(services: Services, user: User, exchange: Exchange, index: int) -> None:
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
        st.caption(
            f"{len(answer.removed)} sentence(s) of the model's answer were left out: the cited"
            " pages do not support them."
        )
    for citation in answer.citations:
        text = f"[{citation.n}] {citation.label} — {citation.doc}"
        if st.button(one_line(text, sensitive), key=f"cite-{index}-{citation.n}"):
            st.session_state["source"] = (index, citation.n)
    source = st.session_state.get("source")
    if source and source[0] == index:
        _show_source(services, exchange, source[1])
    _feedback(services, user, exchange, index)


def _show_source(services: Services, exchange: Exchange, n: int) -> None:
    citation = next(c for c in exchange.answer.citations if c.n == n)
    passage = next(p for p in exchange.answer.passages if p.chunk_id == citation.chunk_id)
    sensitive = services.sensitive
    with st.container(border=True):
        st.caption(one_line(f"Source [{n}]: {citation.label} — {citation.doc}", sensitive))
        st.text(sensitive.redact(passage.text))  # st.text renders no Markdown
        path = Path(passage.path)
        if path.suffix.lower() == ".pdf" and path.is_file():
            for page in range(passage.page, passage.page_end + 1):
                # Listed words on the page's picture are blacked out like those in its text.
                picture = render_page(path, page, passage.text, sensitive.find)
                st.image(picture, caption=f"Page {page}")
        if path.is_file():
            st.download_button(
                one_line(f"Download {citation.doc}", sensitive),
                path.read_bytes(),
                file_name=path.name,
                key=f"dl-{exchange.record_id}-{n}",
            )


def _feedback(services: Services, user: User, exchange: Exchange, index: int) -> None:
    if exchange.feedback is not None:
        st.caption("Thanks for the feedback.")
        return
    left, right, _ = st.columns([1, 1, 4])
    for column, helpful, label in ((left, True, "Helpful"), (right, False, "Not helpful")):
        if column.button(label, key=f"fb-{index}-{helpful}"):
            exchange.feedback = helpful
            services.audit.record(
                "feedback", user.name, ref=exchange.record_id, helpful=helpful, at=time.time()
            )
            st.rerun()
