"""How text that Pagewise did not write goes on the page: as text, and redacted.

Streamlit renders Markdown (and its own directives: ``:red[...]``, ``$...$``, emoji codes) in
st.markdown, st.caption, alerts and every widget label. A manual's title or heading, a
sentence of the model, a file name or a directory attribute can hold ``[click](http://…)`` or
``![x](http://…/pixel)``: rendered, that is a live link or an external image inside the trusted
portal. Every such text goes through :func:`as_text` (escaped) and, when it comes from a
document or the model, :func:`shown` (sensitive words redacted first).
"""

from __future__ import annotations

import html
import re

from pagewise.sensitive import SensitiveWords

# Every character that can start Markdown, HTML, a Streamlit directive (:color[], :icon:) or
# math ($): escaped, it is shown as itself.
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<:/$=^])")


def as_text(text: str) -> str:
    """Markdown that shows ``text`` as written: no HTML, no link to follow, no formatting."""
    escaped = _MARKDOWN_SYNTAX.sub(r"\\\1", html.escape(text, quote=False))
    return escaped.replace("\n", "  \n")


def shown(text: str, sensitive: SensitiveWords) -> str:
    """A document's or the model's text for the page: sensitive words redacted, then escaped."""
    return as_text(sensitive.redact(text))


def one_line(text: str, sensitive: SensitiveWords) -> str:
    """:func:`shown` on one line, for a button or caption."""
    return shown(" ".join(text.split()), sensitive)
