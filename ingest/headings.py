"""Recognising section headings in plain lines of text (Chinese and English manuals)."""

from __future__ import annotations

import re

_CN_NUM = "一二三四五六七八九十百零〇"
_ENDS_LIKE_SENTENCE = re.compile(r"[。，,；;：:！？!?、]$")

# (pattern, level). Order matters: the first match wins.
_PATTERNS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(rf"^第[{_CN_NUM}\d]+[章篇部]\s*\S"), 1),
    (re.compile(rf"^第[{_CN_NUM}\d]+节\s*\S"), 2),
    (re.compile(rf"^[{_CN_NUM}]+、\s*\S"), 1),
    (re.compile(rf"^[(（][{_CN_NUM}]+[)）]\s*\S"), 2),
    (re.compile(r"^(?:Chapter|CHAPTER|Part|PART)\s+[\dIVXivx]+\b"), 1),
    (re.compile(r"^附\s*[\d一二三四五六七八九十]+\s*[：:]"), 1),
    (re.compile(r"^\d+(?:\.\d+){0,3}\s+[^\d\s.、)）]"), 0),  # level from the number of dots
]

MAX_HEADING_CHARS = 40


def detect_heading(line: str) -> int | None:
    """Return the heading level of ``line`` if it looks like a section heading, else None."""
    text = line.strip()
    if not text or len(text) > MAX_HEADING_CHARS or _ENDS_LIKE_SENTENCE.search(text):
        return None
    for pattern, level in _PATTERNS:
        if pattern.match(text):
            if level == 0:
                number = text.split(maxsplit=1)[0]
                return number.count(".") + 1
            return level
    return None


def normalise_title(text: str) -> str:
    """Whitespace-free form used to find an outline title in extracted page text."""
    return re.sub(r"\s+", "", text)
