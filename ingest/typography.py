"""How a PDF page's text is set: font size and weight per piece, read in the same pass as the
text. A heading must look like one (larger than the page's body text, or bold), not only match
a numbering pattern: table cells ("300 否") and wrapped sentences ("3 次，账户将被锁定") do not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pypdf import PageObject

from ingest.fonts import repair_page_fonts

# Font names that mean bold type, Latin and CJK (SimHei, 黑体, Heiti are the bold faces of
# Chinese manuals; CMBX is TeX's bold).
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|cmbx|hei|黑", re.IGNORECASE)
LARGER = 1.15  # a heading's type is at least this much larger than the body's


@dataclass
class PageType:
    pieces: list[tuple[float, bool, str]] = field(default_factory=list)  # size, bold, text
    # Every piece of the extracted text (newlines included) with the point it starts at, so
    # that a line can be placed on the page (inside a table or not).
    spans: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def body(self) -> float:
        """The size most of the page's characters are set in."""
        weights: dict[float, int] = {}
        for size, _, text in self.pieces:
            weights[size] = weights.get(size, 0) + len(text)
        return max(weights, key=lambda size: weights[size]) if weights else 0.0

    def looks_like_heading(self, line: str) -> bool | None:
        """Whether ``line`` is set larger or bolder than the body; None when nothing is known
        (no font information, or the line's pieces cannot be found)."""
        squeezed = "".join(line.split())
        # Pieces of two characters or more are the line's own; a line made of single characters
        # (table cells "1" and "是") is judged by those.
        for shortest in (2, 1):
            mine = [
                (size, bold)
                for size, bold, text in self.pieces
                if len(text) >= shortest and "".join(text.split()) in squeezed
            ]
            if mine:
                break
        else:
            return None
        body = self.body
        return any(bold or (body and size >= body * LARGER) for size, bold in mine)

    def displayed(self, line: str) -> bool:
        """Whether ``line`` is a short title (a word first, no sentence punctuation) set
        far larger than the body in all its pieces, as a chapter without a number is."""
        return _displayed(self, line)


DISPLAYED = 1.6  # a chapter's unnumbered title is set this much larger than the body
_TITLE_LIKE = re.compile(r"^[^\W\d_][^。，,；;：:！？!?、.]{1,38}$")


def _displayed(page: PageType, line: str) -> bool:
    squeezed = "".join(line.split())
    mine = [size for size, _, text in page.pieces if "".join(text.split()) in squeezed]
    body = page.body
    return bool(mine and body and _TITLE_LIKE.match(line.strip()) and min(mine) >= body * DISPLAYED)


def read_page(page: PageObject) -> tuple[str, PageType]:
    """The page's text, and how its pieces are set."""
    found = PageType()
    repair_page_fonts(page)

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        found.spans.append((text, x, tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))
        if not text.strip():
            return
        scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
        name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        found.pieces.append((round(size * scale, 1), bool(_BOLD.search(name)), text.strip()))

    text = page.extract_text(visitor_text=visit) or ""
    return text, found
