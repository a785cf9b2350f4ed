"""Numbers a passage writes in words or with its unit in another language: "6 个" of "six
menus" or "六个菜单", "64 位" of "64 bits", a bare "4" of "Four of those instructions". Only the
same value of the same thing counts."""

from __future__ import annotations

import re

from pagewise.keywords import partly_chinese, stem
from pagewise.text import fold

# A count with its Chinese measure word, as key_terms gives it squeezed: "6个", "12条".
_COUNT = re.compile(r"(\d{1,2})([\u4e00-\u9fff])")
ENGLISH_COUNTS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]  # fmt: skip
_CHINESE_COUNTS = {
    **dict(enumerate("零一二三四五六七八九十")),
    **{10 + n: "十" + c for n, c in enumerate("一二三四五六七八九", start=1)},
    20: "二十",
}


# A Chinese unit after a number and the English words an English passage writes it with: a
# sentence that translates "each row is 64 bits wide" writes "64 位".
_UNIT_WORDS = {
    "位": "bits?", "字": "bytes?|characters?|chars?", "天": "days?", "日": "days?",
    "次": "times?", "秒": "seconds?|secs?", "分": "minutes?|mins?", "时": "hours?",
    "行": "lines?|rows?", "页": "pages?", "年": "years?", "月": "months?", "周": "weeks?",
    "列": "columns?", "章": "chapters?", "步": "steps?", "级": "levels?",
}  # fmt: skip
_MEASURED = re.compile(r"(\d+)([\u4e00-\u9fff])")


def english_unit(squeezed: str, support: str) -> bool:
    """Whether an English passage writes the number ``squeezed`` ("64位") with its unit in
    English ("64 bits", "64-bit")."""
    measured = _MEASURED.fullmatch(squeezed)
    if measured is None or measured[2] not in _UNIT_WORDS or partly_chinese(support):
        return False
    number, words = measured[1], _UNIT_WORDS[measured[2]]
    return re.search(rf"(?<![\w.]){number}(?:\s*-\s*|\s+)(?:{words})\b", fold(support)) is not None


def spelled_count(squeezed: str, support: str, squeezed_support: str) -> bool:
    """Whether the passage spells out the count ``squeezed`` ("6个"): "six" in an English
    passage, "六个" or "两个" in a Chinese one (``squeezed_support``: the passage squeezed)."""
    count = _COUNT.fullmatch(squeezed)
    if count is None or int(count[1]) > 20:
        return False
    value, unit = int(count[1]), count[2]
    if not partly_chinese(support):
        return re.search(rf"\b{ENGLISH_COUNTS[value]}\b", support, re.IGNORECASE) is not None
    spelled = [_CHINESE_COUNTS[value], *(["两"] if value == 2 else [])]
    return any(f"{word}{unit}" in squeezed_support for word in spelled)


# How far after a count the thing it counts may stand: "4 R-Type ALU instructions".
_COUNTED_WITHIN = 4
_WORD = re.compile(r"[a-z][a-z-]+")
_FUNCTION_WORDS = frozenset({"of", "the", "those", "these", "them", "are", "is", "and", "or"})


def counted_in_words(term: str, sentence: str, support: str) -> bool:
    """Whether ``term``, a bare count from 2 to 20 in an English ``sentence``, is the count
    the English passage spells out of the same thing: "4 R-Type ALU instructions" of "Four of
    those instructions make use of…" (holdout76). "One" is a pronoun as often as a count."""
    if not re.fullmatch(r"\d{1,2}", term) or not 2 <= int(term) <= len(ENGLISH_COUNTS) - 1:
        return False
    if partly_chinese(sentence) or partly_chinese(support):
        return False
    counted = _words_after(rf"(?<![\w.]){term}(?![\w.])", fold(sentence)) - _FUNCTION_WORDS
    spelled = _words_after(rf"\b{ENGLISH_COUNTS[int(term)]}\b", fold(support))
    return bool(counted & spelled)


def _words_after(count: str, text: str) -> set[str]:
    """The stems of the words that follow each match of ``count`` in ``text``, a few each."""
    return {
        stem(w)
        for m in re.finditer(count, text)
        for w in _WORD.findall(text[m.end() :])[:_COUNTED_WITHIN]
    }
