"""Tokens for the keyword (BM25) index: Latin words, and character bigrams for Chinese.

Character bigrams need no dictionary and find technical terms that a word segmenter may split
differently in the question and in the manual.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_IS_CJK = re.compile(rf"[{_CJK}]")


def keyword_tokens(text: str) -> list[str]:
    """Lower-cased words and CJK bigrams (single CJK characters stand alone)."""
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        run = match.group(0)
        if _IS_CJK.match(run):
            if len(run) == 1:
                tokens.append(run)
            else:
                tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            # "java.sql.Date" is found by the whole name and by each of its parts.
            parts = run.split(".")
            tokens.extend(parts)
            if len(parts) > 1:
                tokens.append(run)
    return tokens
