"""Fonts whose glyph names hide their letters: pypdf writes such a glyph's name for its text.

TeX manuals set in bitmap (Type 3) fonts may name each glyph after its own character code in
two base-36 digits ("/CB" is code 83, "S") and carry a ToUnicode map that sends a letter to a
control character (seen: "c" to a carriage return). pypdf prefers both to the code, so a
heading reads "2.4.3 /CB/CH/CB/BV/BT/C4/C4 /BE /B9 \\r/D0/D3/D7/CT/B4/B5" instead of
"2.4.3 SYSCALL 2 - close()", and no search or citation can use it. Without the names and the
broken map, pypdf reads each code as the character it is. The repair is made to the objects
in memory only; the file is never written.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pypdf import PageObject
from pypdf.generic import NameObject

log = logging.getLogger(__name__)

_CODE_NAME = re.compile(r"/([A-Z])([0-9A-Z])")
# A ToUnicode destination below U+0020: a letter mapped to a control character.
_CONTROL_TARGET = re.compile(rb"<00[01][0-9a-fA-F]>")


def repair_page_fonts(page: PageObject) -> None:
    """Drops, in memory, the code-named glyph names (and a ToUnicode map that sends letters to
    control characters) of the page's Type 3 fonts. A damaged font is left as it is."""
    try:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        if fonts is None:
            return
        for ref in fonts.get_object().values():
            _repair(ref.get_object())
    except Exception as exc:  # a damaged resource dictionary: the text is read as it is
        log.debug("font repair skipped: %s", exc)


def _repair(font: Any) -> None:
    if font.get("/Subtype") != "/Type3":
        return
    encoding = font.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    if not isinstance(encoding, dict) or not code_named(encoding.get("/Differences", [])):
        return
    del encoding[NameObject("/Differences")]
    cmap = font.get("/ToUnicode")
    if cmap is not None and _CONTROL_TARGET.search(cmap.get_object().get_data()):
        del font[NameObject("/ToUnicode")]


def code_named(differences: Any) -> bool:
    """Whether every glyph name of an /Differences array is its own code in two base-36
    digits (code 83 at "/CB"), as a name that says nothing else."""
    code, names = 0, 0
    for item in differences:
        if isinstance(item, int):
            code = item
            continue
        match = _CODE_NAME.fullmatch(str(item))
        if match is None or (ord(match[1]) - ord("A")) * 36 + int(match[2], 36) != code:
            return False
        code, names = code + 1, names + 1
    return names > 0
