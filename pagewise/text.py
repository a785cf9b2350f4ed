"""The one normalisation used wherever two texts are compared: a question with a manual, an
answer with its passages, a written reference with a title."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC, then casefold: full-width forms, ligatures and case compare equal (``Ｉ`` == ``i``)."""
    return unicodedata.normalize("NFKC", text).casefold()


def squeeze(text: str) -> str:
    """:func:`fold` without whitespace: finds one text inside another however it was wrapped."""
    return _SPACE.sub("", fold(text))
