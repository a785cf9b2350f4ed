"""Word's automatic numbering, rebuilt: the "3.6.2" that Word shows before a heading is not in
the document's text but computed from numbering definitions (numbering.xml), per list and
level. Without it, sections lose their numbers and sub-headings read alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from docx.oxml.ns import qn

_CHINESE_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class _Level:
    start: int
    fmt: str  # decimal, upperLetter, chineseCounting, …
    text: str  # "%1.%2"


@dataclass
class Numbering:
    """Counters for every list of a document; ``label`` advances them paragraph by paragraph."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstractNumId → levels
    lists: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    starts: dict[tuple[str, int], int] = field(default_factory=dict)  # (numId, ilvl) → start
    counters: dict[str, dict[int, int]] = field(default_factory=dict)  # abstractNumId → counts

    @classmethod
    def of(cls, document: Any) -> Numbering:
        numbering = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return numbering  # a document without lists
        for abstract in root.iterchildren(qn("w:abstractNum")):
            levels = {}
            for lvl in abstract.iterchildren(qn("w:lvl")):
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = _Level(
                    int(_val(lvl, "w:start") or 1),
                    _val(lvl, "w:numFmt") or "decimal",
                    _val(lvl, "w:lvlText") or "",
                )
            numbering.levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.iterchildren(qn("w:num")):
            num_id = num.get(qn("w:numId"))
            numbering.lists[num_id] = _val(num, "w:abstractNumId") or ""
            for override in num.iterchildren(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                if start is not None:
                    numbering.starts[(num_id, int(override.get(qn("w:ilvl"), "0")))] = int(start)
        return numbering

    def label(self, paragraph: Any) -> str:
        """The number Word shows before ``paragraph`` ("3.6.2", "第一章"), or ""."""
        found = _num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        abstract = self.lists.get(num_id)
        levels = self.levels.get(abstract or "")
        if not levels or ilvl not in levels or num_id == "0":
            return ""
        counts = self.counters.setdefault(abstract or "", {})
        start = self.starts.get((num_id, ilvl), levels[ilvl].start)
        counts[ilvl] = counts.get(ilvl, start - 1) + 1
        for deeper in [lvl for lvl in counts if lvl > ilvl]:
            del counts[deeper]  # a new 3.7 starts its sub-headings again at 3.7.1
        text = levels[ilvl].text
        for lvl, level in levels.items():
            if f"%{lvl + 1}" in text:
                text = text.replace(f"%{lvl + 1}", _format(counts.get(lvl, level.start), level.fmt))
        return "" if levels[ilvl].fmt in ("bullet", "none") else text.strip()


def _num_pr(paragraph: Any) -> tuple[str, int] | None:
    """numId and level from the paragraph, else from its style (and the styles it is based on)."""
    p_pr = paragraph._p.pPr
    sources = [p_pr] if p_pr is not None else []
    style = paragraph.style
    while style is not None:
        sources.append(style.element.pPr)
        style = style.base_style
    num_id, ilvl = None, None
    for pr in sources:
        num_pr = pr.find(qn("w:numPr")) if pr is not None else None
        if num_pr is None:
            continue
        num_id = num_id or _val(num_pr, "w:numId")
        ilvl = ilvl if ilvl is not None else _val(num_pr, "w:ilvl")
        if num_id is not None and ilvl is not None:
            break
    if num_id is None:
        return None
    if ilvl is None:
        # A heading style names its list but not its level: its outline level is the level.
        outline = next((_val(pr, "w:outlineLvl") for pr in sources if pr is not None), None)
        ilvl = outline or "0"
    return num_id, int(ilvl)


def _val(element: Any, tag: str) -> str | None:
    child = element.find(qn(tag))
    return child.get(qn("w:val")) if child is not None else None


def _format(number: int, fmt: str) -> str:
    if fmt in ("upperLetter", "lowerLetter"):
        letters = ""
        while number > 0:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        return letters if fmt == "upperLetter" else letters.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(number)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt.startswith("chinese") or fmt.startswith("ideograph"):
        return _chinese(number)
    return str(number)


def _roman(number: int) -> str:
    out = ""
    for value, symbol in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while number >= value:
            out, number = out + symbol, number - value
    return out


def _chinese(number: int) -> str:
    """一 … 九十九 (Word's chineseCounting for heading numbers)."""
    if number < 10:
        return _CHINESE_DIGITS[number]
    tens, ones = divmod(number, 10)
    head = "" if tens == 1 else _CHINESE_DIGITS[tens]
    return f"{head}十{_CHINESE_DIGITS[ones] if ones else ''}"
