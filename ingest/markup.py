"""Markdown's markup taken off the text that is indexed: inline HTML, HTML tables, links.

Manuals exported from documentation systems (DITA, Confluence, Word) to Markdown keep their
tables as HTML, each cell wrapped in ``<p id=…><a name=…></a>…</p>``: read as text, a table
is mostly ids, which drowns its words in the keyword index and its meaning in the embedding.
Tables become rows (``cell | cell``) like every other reader's; inline tags, link targets and
emphasis marks go, their words stay.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]*)[^)]*\)")
# Only ``**``: ``__`` is also how Python names are written (``__init__``).
_EMPHASIS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
# A line of a hand-written contents list: only links to headings of the same file.
_CONTENTS_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[^\]]+\]\(#[^)]*\)\s*$")


def drop_comments(text: str) -> str:
    return _COMMENT.sub("", text)


def is_contents_line(line: str) -> bool:
    """An entry of a contents list (``- [简介](#简介)``): it repeats the headings, so indexed
    it would match every question about a section better than the section itself."""
    return bool(_CONTENTS_LINE.match(line))


def plain(line: str) -> str:
    """A line of Markdown as read: tags dropped, links by their words (an outside address kept,
    people ask for it), emphasis, code marks and backslash escapes dropped, entities decoded."""
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(_link_text, line)
    line = _TAG.sub(" ", line)
    line = _EMPHASIS.sub(r"\1", line)
    line = _CODE_SPAN.sub(r"\1", line)
    line = _ESCAPE.sub(r"\1", line)  # \-\-list is --list
    return re.sub(r"[ \t]{2,}", " ", html.unescape(line)).strip()


def _link_text(match: re.Match[str]) -> str:
    words, target = match.group(1), match.group(2)
    if not target or target.startswith("#") or target in words:
        return words
    if target.startswith(("http://", "https://", "mailto:")):
        return f"{words} ({target})"
    return words


def starts_html_table(line: str) -> bool:
    return "<table" in line.lower()


def ends_html_table(line: str) -> bool:
    return "</table>" in line.lower()


def html_table_rows(source: str) -> list[str]:
    """The rows of an HTML table, each as ``cell | cell``; a cell spanning columns is
    repeated so the row keeps its column count."""
    reader = _TableReader()
    reader.feed(source)
    reader.close()
    return [" | ".join(cells) for cells in reader.rows if any(cells)]


class _TableReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._end_cell()
            self.rows.append([])
        elif tag in ("td", "th"):
            self._end_cell()
            if not self.rows:
                self.rows.append([])
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() else 1
        elif tag in ("br", "p", "li", "div") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self._end_cell()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is None:
            return
        # Cells of a Markdown file's HTML table carry its escapes too: "chkconfig \-\-add".
        text = _ESCAPE.sub(r"\1", " ".join("".join(self._cell).split()))
        self.rows[-1].extend([text] * max(1, min(self._span, 64)))
        self._cell = None
