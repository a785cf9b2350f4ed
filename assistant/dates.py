"""Calendar dates however they are written: an answer says "2016年12月07日" where the manual's
version table writes "2016.12.07", or "March 15, 2007" of a title page's "15 March 2007". Each
number of the date is the same figure; only the way it is written differs."""

from __future__ import annotations

import re

from pagewise.text import fold, squeeze

Date = tuple[int, int, int]  # year, month, day

_NUMERIC = re.compile(
    r"(?<![\d.])(\d{4})\s*(?:年|[-./])\s*(\d{1,2})\s*(?:月|[-./])\s*(\d{1,2})(?:\s*[日号])?(?![\d.])"
)
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_FIRST = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+(\d{{4}})\b")
_DAY_FIRST = re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+(\d{{4}})\b")


def _month(name: str) -> int:
    return next(n for n, month in enumerate(_MONTHS, 1) if month.startswith(name[:3]))


def written_dates(text: str) -> dict[str, Date]:
    """Each date ``text`` writes (as written, squeezed) and the day it means."""
    return {written: date for written, (date, _) in _dates(text).items()}


def _dates(text: str) -> dict[str, tuple[Date, set[str]]]:
    """Each date ``text`` writes, squeezed, with the day it means and its numbers as written."""
    folded = fold(text)
    found: dict[str, tuple[Date, set[str]]] = {}
    for match in _NUMERIC.finditer(folded):
        date = (int(match[1]), int(match[2]), int(match[3]))
        found[squeeze(match[0])] = (date, {match[1], match[2], match[3]})
    for match in _MONTH_FIRST.finditer(folded):
        date = (int(match[3]), _month(match[1]), int(match[2]))
        found[squeeze(match[0])] = (date, {match[2], match[3]})
    for match in _DAY_FIRST.finditer(folded):
        date = (int(match[3]), _month(match[2]), int(match[1]))
        found[squeeze(match[0])] = (date, {match[1], match[3]})
    return {written: found[written] for written in found if _real(found[written][0])}


def _real(date: Date) -> bool:
    _, month, day = date
    return 1 <= month <= 12 and 1 <= day <= 31


def in_a_held_date(term: str, sentence: str, support: str) -> bool:
    """Whether ``term`` (a number of ``sentence``: "2016", "07日") is part of a date the
    sentence writes that ``support`` writes too, in whatever form."""
    piece = squeeze(term)
    number = piece.rstrip("年月日号")
    days = set(written_dates(support).values())
    return any(
        (piece == written or number in numbers) and date in days
        for written, (date, numbers) in _dates(sentence).items()
    )
