"""A yes that its cited passage says no to.

holdout77 asked whether the O_APPEND and O_TRUNC flags of SYSCALL 1 may be combined; the small
model answered "Yes, you can combine the O_APPEND and O_TRUNC flags [1]" from the passage that
says "you can not specify O_APPEND if you specify O_TRUNC". Every word and name of the answer is
in that passage, and the small judge passed it. The sentence of the passage that names most of
what the question asks about is where its answer stands: when every such sentence forbids, a
yes is contradicted. Only names count (identifiers, quoted names: `key_terms`), and at least two
of them, so that the passage's sentence is about the very thing asked, not about one of its
parts: a rule on O_APPEND alone says nothing of O_APPEND with O_TRUNC.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.citations import key_terms
from assistant.replies import affirms, asks_yes_or_no
from pagewise.text import fold, squeeze

# A sentence that opens by allowing, as a yes does (see replies.affirms): "You can …", "可以…".
_ALLOWS = re.compile(
    r"\s*(?:you (?:can|may)\b|it is (?:allowed|permitted|possible)\b|可以|允许)", re.IGNORECASE
)
# Words that forbid: the modal noes of a rule, and a Chinese manual's counter-example (反例).
_FORBIDS = re.compile(
    r"\b(?:can ?not|can't|must not|mustn't|may not|should not|shall not|never)\b"
    r"|\bnot (?:allowed|permitted)\b|不得|禁止|不允许|不能|不要|不可|不应|严禁|反例",
    re.IGNORECASE,
)
# A passage's sentences, and a Chinese manual's 正例/反例 each on its own.
_SENTENCES = re.compile(r"(?<=[。；;！？!?\n])|(?<=\.)\s+|(?=正例|反例)")
# How many of the question's names a sentence must write to be about what was asked.
_NAMES = 2


def denied(sentence: str, question: str, texts: Sequence[str], products: str) -> str:
    """The sentence of the cited passages' ``texts`` that says no to the yes ``sentence``
    opens with, or "". ``products``: the manuals' titles and file names, squeezed (a product
    name is the setting of the question, not a thing it asks about). The section heading is not
    read: it names what a passage is about, not what it says of it."""
    says_yes = affirms(sentence) or _ALLOWS.match(sentence) is not None
    if not asks_yes_or_no(question) or not says_yes or _FORBIDS.search(sentence):
        return ""
    asked = {
        key
        for term in key_terms(question)
        if re.search("[A-Za-z]", term) and (key := squeeze(fold(term))) not in products
    }
    if len(asked) < _NAMES:
        return ""
    parts = [part.strip() for text in texts for part in _SENTENCES.split(text) if part.strip()]
    written = [(_named(asked, squeeze(fold(part))), part) for part in parts]
    most = max((count for count, _ in written), default=0)
    about = [part for count, part in written if count == most]
    if most < _NAMES or not all(_FORBIDS.search(part) for part in about):
        return ""
    return about[0]


def _named(asked: set[str], squeezed: str) -> int:
    """How many of the ``asked`` names the ``squeezed`` passage sentence writes."""
    return sum(term in squeezed for term in asked)
