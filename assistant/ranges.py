"""Ranges a sentence gives ("0 到 15", "between 1 and 65535") and whether its passage gives them.

Each end of a range may be in the passage on its own, in another context: holdout76 answered
"寄存器编号的取值范围是 0 到 15 [1]" from a register table whose rows run "… 14 | t6  15 | t7",
so the check of numbers passed it. A range is a claim about both ends together: the passage
must write them near each other.
"""

from __future__ import annotations

import re

# A number not inside a longer one, a version, a date or a path ("2011-05-29", "v2.1-3").
_NUMBER = r"(?<![\w.:/-])(\d+(?:\.\d+)?)"
_END = r"(?![\w.:/-]?\d)"
# An end may carry a short unit before the joining word: "8 位到 16 位", "10% ~ 20%".
_UNIT = r"\s*(?:%|[一-鿿]{1,2})?\s*"
_RANGES = (
    re.compile(rf"{_NUMBER}{_UNIT}(?:到|至|~|～|–|—|-)\s*(\d+(?:\.\d+)?){_END}"),
    re.compile(rf"\bbetween\s+{_NUMBER}\s+and\s+(\d+(?:\.\d+)?){_END}", re.IGNORECASE),
    re.compile(rf"\bfrom\s+{_NUMBER}\s+to\s+(\d+(?:\.\d+)?){_END}", re.IGNORECASE),
)
# How far apart the ends may stand in the passage: "between 0 and 31", "0（含）到 31（含）",
# a table row "最小值 | 0 | 最大值 | 31".
_NEAR = 40


def ranges(sentence: str) -> list[tuple[str, str]]:
    """The ranges ``sentence`` gives, each as its two ends as written."""
    found: list[tuple[str, str]] = []
    for pattern in _RANGES:
        found += [(m[1], m[2]) for m in pattern.finditer(sentence)]
    return found


def _places(number: str, text: str) -> list[int]:
    value = float(number)
    return [m.start() for m in re.finditer(_NUMBER + _END, text) if float(m[1]) == value]


def ungiven(sentence: str, support: str) -> list[str]:
    """The ranges of ``sentence`` whose ends ``support`` writes, each somewhere, but never near
    each other. An end the passage writes nowhere as a number is the check of numbers' business
    (it may be spelled out: "from zero to thirty-one")."""
    text = re.sub(r"\s+", " ", support)
    missing = []
    for low, high in ranges(sentence):
        lows, highs = _places(low, text), _places(high, text)
        if not lows or not highs:
            continue
        if not any(abs(a - b) <= _NEAR for a in lows for b in highs):
            missing.append(f"{low}–{high}")
    return missing
