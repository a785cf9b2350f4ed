"""A citation as people read it: title, page and section on one line that fits a button.

The assistant's own label (assistant/prompt.py) is Chinese and unbounded; the portal writes
its own in the session's language from the citation's parts. On the button a long title or
section is cut with an ellipsis; the page, the reason to click, is always shown whole. The
full reference is the button's tooltip and the caption of the source it opens.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from assistant.citations import Citation
from pagewise.sensitive import SensitiveWords
from ui.portal.i18n import Messages

# Columns (a CJK character takes two) of the title and the section on a button: with the
# number and page, about 80 columns, one line of a chat message in a 1280-pixel window.
TITLE_COLUMNS = 32
SECTION_COLUMNS = 26


def columns(text: str) -> int:
    """How wide ``text`` is on screen, in columns of a Latin letter."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, limit: int) -> str:
    """``text`` if it is ``limit`` columns or fewer, else its start and an ellipsis."""
    text = " ".join(text.split())
    if columns(text) <= limit:
        return text
    kept, width = [], 0
    for char in text:
        width += columns(char)
        if width > limit - 1:  # the ellipsis takes one column
            break
        kept.append(char)
    return "".join(kept).rstrip(" ·,;:，、；：（(") + "…"


def where(citation: Citation, msg: Messages) -> str:
    """The page (span), slide or sheet of a citation, with the printed page number."""
    first, last = citation.page, citation.page_end
    pages = f"{first}" if last == first else f"{first}–{last}"
    kind = Path(citation.doc).suffix.lower()
    if kind == ".pptx":
        return msg("reference.slides", pages=pages)
    if kind == ".xlsx":  # a sheet is a page whose label is its name
        sheet = msg("reference.sheet", sheet=citation.page_label)
        return sheet + (msg("reference.rows", rows=citation.rows) if citation.rows else "")
    printed = citation.page_label and citation.page_label != str(citation.page)
    return msg("reference.pages", pages=pages) + (
        msg("reference.printed", page_label=citation.page_label) if printed else ""
    )


def _section(citation: Citation) -> str:
    # A sheet's label is its name, shown already; a section that repeats it adds nothing.
    return citation.section if citation.section != citation.page_label else ""


def reference(
    citation: Citation, msg: Messages, sensitive: SensitiveWords, short: bool = False
) -> str:
    """``《Title》第 6 页（印刷页 4） · 2.1 Section`` (plain text, listed words redacted);
    ``short``: title and section cut to fit one line of a button."""
    # Redacted before it is cut, so no cut can leave part of a listed word to be seen.
    title = " ".join(sensitive.redact(citation.title).split())
    section = " ".join(sensitive.redact(_section(citation)).split())
    if short:
        title, section = fit(title, TITLE_COLUMNS), fit(section, SECTION_COLUMNS)
    heading = msg("reference.heading", title=title, where=where(citation, msg))
    return f"{heading} · {section}" if section else heading
