"""A second look for sentences the judge rejected: is the sentence stated in another given
passage than the one it cites?

A small model often cites the neighbour of the passage it answered from ("NOP … creates gaps
in the source code [2]" where [3] says so). The term check re-cites a sentence by its numbers
and names (recite._recited), but a sentence with none, or with names that several passages
hold, keeps the model's mark, and the judge, which reads only the cited passage, rightly says
NO. Asking once more, with the sentence cited to the other passage that holds its names and
the largest share of its words, keeps a right answer that was merely mis-cited. One more
judge call, and only for answers where the judge rejected something.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assistant.claims import MARK, Claim, with_mark
from assistant.retrieval import Passage
from assistant.wording import copied, same_language, word_share

# (sentence, passages it would cite) -> whether those passages hold its numbers and names
Holds = Callable[[Claim, Sequence[int]], bool]


def recited_elsewhere(
    claim: Claim, passages: Sequence[Passage], holds: Holds, question: str = ""
) -> Claim | None:
    """``claim`` cited to the best other passage, written in its language, that holds its
    numbers and names and some of its words (by their share; the first on a tie), or None
    where no other passage does."""
    text = MARK.sub("", claim.text).rstrip()
    best: tuple[float, int] | None = None
    for n in range(1, len(passages) + 1):
        if n in claim.cited or not holds(claim, (n,)):
            continue
        other = passages[n - 1].text
        if not (same_language(text, other) or copied(text, other)):
            # The judge is weakest across languages ("…within 18 months" passed against "维持
            # 18 个月" for a question no manual answers): there a second chance let more wrong
            # sentences through than right ones.
            continue
        share = word_share(text, other, question)
        if share == 0:
            continue  # not one of its words: it cannot state it
        score = 1.0 if share is None else share
        if best is None or score > best[0]:
            best = (score, n)
    if best is None:
        return None
    return Claim(with_mark(text, best[1]), (best[1],))


def second_look(
    judge_claims: Callable[[Sequence[Claim]], list[bool]],
    claims: Sequence[Claim],
    verdicts: Sequence[bool],
    passages: Sequence[Passage],
    holds: Holds,
    question: str = "",
) -> tuple[list[Claim], list[bool]]:
    """The claims and verdicts after asking ``judge_claims`` once about every rejected claim
    that another passage could state; a claim it confirms there is kept, cited to it."""
    claims, verdicts = list(claims), list(verdicts)
    moved = {
        i: other
        for i, (claim, ok) in enumerate(zip(claims, verdicts, strict=True))
        if not ok and (other := recited_elsewhere(claim, passages, holds, question))
    }
    if not moved:
        return claims, verdicts
    for i, ok in zip(moved, judge_claims(list(moved.values())), strict=True):
        if ok:
            claims[i], verdicts[i] = moved[i], True
    return claims, verdicts
