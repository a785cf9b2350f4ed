"""Marks written together where one passage says it all: "…to a file.[1] [2]".

A small model often adds the neighbour's mark to a sentence it took from one passage ("Writes
the simulation trace to a file.[1] [2]" with [2] the manual's introduction; "尽可能将更多进程
并行启动 [1] 和 [2]" with [2] a command table). The sentence is right, but the reader is sent to
a page that says nothing of it. A mark written next to another is dropped when its passage
holds none of the sentence's words that the others lack, and fewer than they do, and the others
hold all its numbers and names and enough of its words ("…还有汽车工作组和参考工具工作组 [1][2]"
with [2] the next slide, holding only 工作组; holdout70). Marks written apart ("资料 [1]
提供了…，而资料 [2] 中…") each stand for what is said next to them, and are kept; so is every
mark across languages, where wording cannot be compared, unless the sentence names things
(numbers, names) that the others hold and its passage holds none of ("有四条会用到两个特殊寄存器，
分别是 [1] 和 [2] 中提到的 LO 和 HI。" with [2] a page of the hardening guide; holdout81).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.asked import names, writes_word
from assistant.claims import MARK, Claim
from assistant.retrieval import Passage
from assistant.second_look import Holds
from assistant.wording import same_language, term_held, word_share
from pagewise.text import squeeze

_TOGETHER = re.compile(r"\[\d+\](?:\s*(?:[和与及、,，]|and)?\s*\[\d+\])+", re.IGNORECASE)


def without_idle_marks(
    claim: Claim, passages: Sequence[Passage], holds: Holds, question: str, minimum: float
) -> Claim:
    """``claim`` without the marks, written next to another, of passages adding none of its
    words to the others', where the passages left hold its numbers and names and ``minimum``
    of its words."""
    together = {int(n) for g in _TOGETHER.finditer(claim.text) for n in MARK.findall(g[0])}
    if len(claim.cited) < 2 or not together:
        return claim
    text = MARK.sub("", claim.text)

    def share(cited: Sequence[int]) -> float | None:
        support = " ".join(passages[n - 1].text for n in cited)
        return word_share(text, support, question)

    if not all(same_language(text, passages[n - 1].text) for n in claim.cited):
        return _unnamed_across(claim, passages, holds, question, together)
    kept = list(claim.cited)
    # Weakest first, one at a time: of two passages holding the same words, one keeps its mark.
    for n in sorted(together, key=lambda n: (share((n,)) or 0.0, -n)):
        rest = tuple(m for m in kept if m != n)
        if rest and _adds_nothing(share((n,)), share(rest), share(tuple(kept))):
            kept = list(rest)
    rest = tuple(kept)
    idle = set(claim.cited) - set(rest)
    if not idle or not holds(claim, rest):
        return claim
    left = share(rest)
    if left is None or left < minimum:
        return claim
    return Claim(_unmarked(claim.text, idle), rest)


def _unnamed_across(
    claim: Claim, passages: Sequence[Passage], holds: Holds, question: str, together: set[int]
) -> Claim:
    """``claim`` without the marks, written next to another, of passages that hold none of the
    numbers and names it adds to the question's, where the others hold them all."""
    asked = squeeze(question)
    own = [t for t in names(MARK.sub(" ", claim.text), question) if squeeze(t) not in asked]
    if not own:
        return claim
    idle = {n for n in together if not any(_writes(passages[n - 1].text, t) for t in own)}
    rest = tuple(n for n in claim.cited if n not in idle)
    if not idle or not rest or not holds(claim, rest):
        return claim
    return Claim(_unmarked(claim.text, idle), rest)


def _writes(text: str, term: str) -> bool:
    """Whether ``text`` holds ``term``, a Latin one as a word of its own."""
    return (
        writes_word(text, squeeze(term)) if re.search("[A-Za-z]", term) else term_held(term, text)
    )


def _adds_nothing(alone: float | None, rest: float | None, together: float | None) -> bool:
    """Whether a passage holding ``alone`` of the sentence's words is idle beside the others,
    which hold ``rest`` of them and, with it, ``together``: it holds none the others lack, and
    fewer than they do (of two holding the same words, neither is idle)."""
    if alone is None or rest is None or together is None:
        return False
    return together <= rest and alone < rest


def _unmarked(sentence: str, idle: set[int]) -> str:
    """The sentence with the idle marks of each group of marks written together taken out,
    with the words that joined them ("[1] 和 [2]" reads "[1]")."""

    def keep(group: re.Match[str]) -> str:
        kept = [n for n in MARK.findall(group.group(0)) if int(n) not in idle]
        return "".join(f"[{n}]" for n in kept)

    return _TOGETHER.sub(keep, sentence)
